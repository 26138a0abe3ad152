using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// What a page fetched over HTTP, from Chromium's own network events (DevTools protocol): bytes on the wire
/// (headers and encoded body), status, content encoding and whether the browser cache answered.
/// WebSocket frames (the Blazor circuit) are not HTTP requests and are not counted.
/// </summary>
public sealed class NetworkLog
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new();
    private readonly ConcurrentQueue<string> _finished = new();

    public sealed record Entry(string Url, int Status, string Encoding, bool FromCache, long Bytes);

    public static async Task<NetworkLog> StartAsync(IBrowserContext context, IPage page)
    {
        var log = new NetworkLog();
        var cdp = await context.NewCDPSessionAsync(page);
        cdp.Event("Network.responseReceived").OnEvent += (_, e) => log.OnResponse(e);
        cdp.Event("Network.requestServedFromCache").OnEvent += (_, e) => log.OnServedFromCache(e);
        cdp.Event("Network.loadingFinished").OnEvent += (_, e) => log.OnFinished(e);
        cdp.Event("Network.requestWillBeSent").OnEvent += (_, e) => log.OnRedirect(e);
        await cdp.SendAsync("Network.enable");
        return log;
    }

    /// <summary>Every request finished since the last call.</summary>
    public IReadOnlyList<Entry> TakeAll()
    {
        var taken = new List<Entry>();
        while (_finished.TryDequeue(out var id))
        {
            if (_entries.TryRemove(id, out var entry))
            {
                taken.Add(entry);
            }
        }

        return taken;
    }

    private void OnResponse(JsonElement? e)
    {
        if (e is not { } ev)
        {
            return;
        }

        var response = ev.GetProperty("response");
        var headers = response.GetProperty("headers");
        var encoding = headers.EnumerateObject().FirstOrDefault(h => h.Name.Equals("content-encoding", StringComparison.OrdinalIgnoreCase)).Value;
        var fromCache = response.TryGetProperty("fromDiskCache", out var disk) && disk.GetBoolean();
        var id = ev.GetProperty("requestId").GetString()!;
        _entries.AddOrUpdate(
            id,
            _ => new(response.GetProperty("url").GetString()!, response.GetProperty("status").GetInt32(), encoding.ValueKind == JsonValueKind.String ? encoding.GetString()! : "", fromCache, 0),
            (_, old) => old with { Url = response.GetProperty("url").GetString()!, Status = response.GetProperty("status").GetInt32(), FromCache = old.FromCache || fromCache });
    }

    // A redirect (the sign-in POST answers 302) ends one response and starts the next under the same request id.
    private void OnRedirect(JsonElement? e)
    {
        if (e is { } ev && ev.TryGetProperty("redirectResponse", out var redirect))
        {
            var id = $"{ev.GetProperty("requestId").GetString()}:redirect:{redirect.GetProperty("url").GetString()}";
            _entries[id] = new(redirect.GetProperty("url").GetString()!, redirect.GetProperty("status").GetInt32(), "", false, (long)redirect.GetProperty("encodedDataLength").GetDouble());
            _finished.Enqueue(id);
        }
    }

    private void OnServedFromCache(JsonElement? e)
    {
        if (e is { } ev)
        {
            var id = ev.GetProperty("requestId").GetString()!;
            _entries.AddOrUpdate(id, _ => new("", 0, "", true, 0), (_, old) => old with { FromCache = true });
        }
    }

    private void OnFinished(JsonElement? e)
    {
        if (e is { } ev)
        {
            var id = ev.GetProperty("requestId").GetString()!;
            var bytes = (long)ev.GetProperty("encodedDataLength").GetDouble();
            _entries.AddOrUpdate(id, _ => new("", 0, "", false, bytes), (_, old) => old with { Bytes = bytes });
            _finished.Enqueue(id);
        }
    }
}
