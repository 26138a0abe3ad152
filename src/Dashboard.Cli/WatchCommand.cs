using System.Globalization;
using Dashboard.Core.Changes;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Cli;

/// <summary><c>dashboard-cli watch</c>: prints the queue's counts each time they change, from the console's hub.</summary>
public static class WatchCommand
{
    public static async Task<int> RunAsync(Uri console, string token, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(console, "/hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect()
            .Build();
        var gate = new SemaphoreSlim(1, 1);
        string? last = null;
        async Task PrintAsync(FeedState state)
        {
            await gate.WaitAsync(CancellationToken.None);
            try
            {
                var line = Describe(state);
                if (line != last)
                {
                    last = line;
                    await stdout.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
                    await stdout.FlushAsync(CancellationToken.None);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        hub.On<FeedState>("snapshot", PrintAsync);
        hub.Reconnecting += _ => stderr.WriteLineAsync("connection to the console lost; reconnecting");
        hub.Reconnected += async _ => await PrintAsync(await hub.InvokeAsync<FeedState>("GetSnapshot", CancellationToken.None));
        try
        {
            await hub.StartAsync(ct);
            await PrintAsync(await hub.InvokeAsync<FeedState>("GetSnapshot", ct));
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return CliApp.Ok;
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"Cannot watch {console}: {ex.Message}{(ex.StatusCode is { } code ? $" (HTTP {(int)code})" : "")}");
            return CliApp.Failed;
        }

        return CliApp.Ok;
    }

    /// <summary>One line: counts per state, stuck leases, intake; or why the console cannot read the database.</summary>
    public static string Describe(FeedState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Snapshot is not { } s)
        {
            return $"no data yet{(state.Error is null ? "" : $" — database unreachable: {state.Error}")}";
        }

        var counts = string.Join(' ', s.States.Select(c => $"{c.State}={(c.IsEstimate ? "~" : "")}{c.Count.ToString(CultureInfo.InvariantCulture)}"));
        var line = $"{counts} stuck={s.StuckCount} intake={(s.Intake.Accepting ? "accepting" : "paused")}";
        return state.Error is null ? line : $"{line} (stale — database unreachable: {state.Error})";
    }
}
