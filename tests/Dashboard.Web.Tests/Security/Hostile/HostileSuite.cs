using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

[CollectionDefinition(Name)]
public sealed class HostileCollection : ICollectionFixture<HostileApp>
{
    public const string Name = "hostile input";
}

/// <summary>
/// What every hostile case must hold: no 5xx, no error in the log, no raw markup or control character reflected, a
/// clear 4xx where the input is refused, and nothing changed in the database by a refused request.
/// </summary>
public abstract class HostileSuite(HostileApp app, ITestOutputHelper output)
{
    protected HostileApp App { get; } = app;

    protected List<string> Failures { get; } = [];

    protected int Cases { get; set; }

    protected void Check(bool ok, string what)
    {
        if (!ok)
        {
            Failures.Add(what);
        }
    }

    /// <summary>Counts one case and checks the rules that hold for every HTTP answer.</summary>
    protected async Task<string> ExpectSaneAsync(HttpResponseMessage response, string label, params string[] notReflected)
    {
        Cases++;
        var body = await response.Content.ReadAsStringAsync();
        Check((int)response.StatusCode < 500, $"{label}: {(int)response.StatusCode}");
        var location = response.Headers.Location?.OriginalString ?? "";
        Check(!HostileStrings.HasRawControl(location), $"{label}: control character in Location");
        // Pages, JSON and error texts must not echo markup or control characters; a CSV export carries stored data
        // (neutralised cell by cell, see StoredStringTests), not the request.
        if (response.Content.Headers.ContentType?.MediaType is "text/html" or "application/json" or "text/plain" or null)
        {
            foreach (var value in notReflected.Where(v => v.IndexOfAny(['<', '>']) >= 0 && v.Length < 1000))
            {
                Check(!body.Contains(value, StringComparison.Ordinal), $"{label}: markup reflected raw");
            }

            Check(!HostileStrings.HasRawControl(body), $"{label}: control character in the body");
        }

        return body;
    }

    /// <summary>A refused request answers a clear 4xx and changes nothing.</summary>
    protected async Task ExpectRefusedUnchangedAsync(HttpResponseMessage response, string before, string label)
    {
        var status = (int)response.StatusCode;
        Check(status is >= 400 and < 500, $"{label}: expected a 4xx, got {status}");
        Check(before == await FingerprintAsync(), $"{label}: refused, yet the database changed");
    }

    /// <summary>What a request could change: intake, pauses, drains, the audit log, sessions ended.</summary>
    protected Task<string> FingerprintAsync() => App.Database.ScalarAsync<string>("""
        SELECT concat_ws('|', (SELECT accepting FROM queue_control), (SELECT count(*) FROM job_kinds WHERE paused),
               (SELECT count(*) FROM workers WHERE drain_requested), (SELECT count(*) FROM audit_log),
               (SELECT count(*) FROM jobs), (SELECT count(*) FROM console_sessions WHERE ended_at IS NOT NULL))
        """);

    /// <summary>Reports the surface's case count and fails with every broken case.</summary>
    protected void Finish(string surface, int minimum)
    {
        output.WriteLine($"{surface}: {Cases} cases, {Failures.Count} failed");
        var errors = App.TakeErrors();
        Assert.True(Cases >= minimum, $"{surface}: only {Cases} cases (want at least {minimum})");
        Assert.True(Failures.Count == 0, $"{surface}: {Failures.Count} of {Cases} cases failed:\n" + string.Join("\n", Failures.Take(40)));
        Assert.True(errors.Count == 0, $"{surface}: errors in the log:\n" + string.Join("\n", errors.Take(20)));
    }

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    protected HttpClient TokenClient(string token)
    {
        var client = App.NewClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    protected static bool IsLocalLocation(string location) =>
        location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal)
        && location.All(c => c is > ' ' and < (char)0x7f and not '\\');

    protected static HttpStatusCode StatusOf(HttpResponseMessage response) => response.StatusCode;
}
