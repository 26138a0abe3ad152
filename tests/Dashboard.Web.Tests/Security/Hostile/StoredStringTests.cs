using System.Net;
using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>
/// Strings written by hand into jobs, job_kinds, workers and the audit log, then read by the real snapshot loop and
/// delivered (the hub, intact), rendered (the pages emit no raw markup: everything goes through Razor's encoder) or
/// exported (audit CSV: neutralised against spreadsheet formulas, intact otherwise).
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class StoredStringTests(HostileApp app, ITestOutputHelper output)
{
    private readonly List<string> _failures = [];
    private int _cases;

    [Fact]
    public async Task HandWrittenStrings_AreShownEscaped_AndExportedNeutralised()
    {
        // Arrange: every storable hostile string as a kind, a stuck lease holder, an error, a worker and audit fields.
        var values = HostileStrings.Storable.Where(v => v.Length <= 200).ToList();
        foreach (var (value, i) in values.Select((v, i) => (v, i)))
        {
            await app.Database.PsqlAsync("""
                INSERT INTO job_kinds (kind) VALUES (@value);
                INSERT INTO jobs (kind, state) VALUES (@value, 'queued');
                INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, last_error)
                    VALUES (@value, 'processing', @value, now() - interval '1 hour', now() - interval '1 hour', gen_random_uuid(), @value);
                INSERT INTO workers (id, host, pid, kinds) VALUES (@value, @value, @i, ARRAY[@value]);
                INSERT INTO audit_log (actor, auth_method, action, target_kind, target_worker, reason, outcome, before)
                    VALUES (@value, @value, @value, @value, @value, @value, @value, jsonb_build_object('v', @value));
                """, new { value, i });
        }

        var feed = app.Service<IDashboardState>();
        await feed.WaitForAsync(
            s => s.Snapshot is { } snap && values.All(v => snap.Kinds.Any(k => k.Kind == v)) && values.All(v => snap.Workers.Any(w => w.Id == v)),
            TimeSpan.FromSeconds(60));
        // Shown: the pages render every string through Razor's encoder; nothing in them emits raw markup.
        foreach (var file in Directory.EnumerateFiles(ComponentsDirectory(), "*.razor*", SearchOption.AllDirectories))
        {
            _cases++;
            var source = await File.ReadAllTextAsync(file);
            Check(!source.Contains("MarkupString", StringComparison.Ordinal) && !source.Contains("AddMarkupContent", StringComparison.Ordinal),
                $"{Path.GetFileName(file)} emits raw markup");
        }

        // Shown to scripts: the hub's snapshot.
        await using (var hub = app.NewHubConnection(token: DashboardApp.ViewerToken))
        {
            await hub.StartAsync();
            var viaHub = await hub.InvokeAsync<FeedState>("GetSnapshot");
            foreach (var value in values)
            {
                _cases++;
                Check(viaHub.Snapshot!.Kinds.Any(k => k.Kind == value), $"hub {HostileStrings.Label(value)}: not delivered intact");
            }
        }

        // Exported: every cell of every hostile row neutralised and intact.
        using var client = app.NewClient(await app.SignInAsync(Roles.Auditor));
        using var response = await client.GetAsync("/audit/export.csv");
        Check(response.StatusCode == HttpStatusCode.OK, $"export answered {(int)response.StatusCode}");
        var rows = Csv.Parse(await response.Content.ReadAsStringAsync());
        foreach (var value in values)
        {
            _cases++;
            var row = rows.FirstOrDefault(r => r.Count > 9 && (r[9] == value || r[9] == "'" + value));
            Check(row is not null, $"export {HostileStrings.Label(value)}: no row with it as the reason");
            foreach (var cell in row ?? [])
            {
                Check(cell.Length == 0 || cell[0] == '\'' || !IsFormulaStart(cell), $"export {HostileStrings.Label(value)}: cell {HostileStrings.Label(cell)} not neutralised");
            }
        }

        output.WriteLine($"stored strings shown and exported: {_cases} cases, {_failures.Count} failed");
        var errors = app.TakeErrors();
        Assert.True(_cases >= 100, $"only {_cases} cases");
        Assert.True(_failures.Count == 0, $"{_failures.Count} of {_cases} cases failed:\n" + string.Join("\n", _failures.Take(40)));
        Assert.True(errors.Count == 0, "errors in the log:\n" + string.Join("\n", errors.Take(20)));
    }

    private static string ComponentsDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "src", "Dashboard.Web", "Components");
    }

    private static bool IsFormulaStart(string cell)
    {
        var trimmed = cell.TrimStart(' ', '\t', '\r', '\n');
        return cell[0] is '=' or '+' or '-' or '@' or ';' or '|' or '\t' or '\r' or '\n'
            || (trimmed.Length > 0 && trimmed[0] is '=' or '+' or '-' or '@');
    }

    private void Check(bool ok, string what)
    {
        if (!ok)
        {
            _failures.Add(what);
        }
    }

    /// <summary>RFC 4180 rows (quoted fields, doubled quotes, CRLF row ends).</summary>
    private static class Csv
    {
        public static List<List<string>> Parse(string text)
        {
            var rows = new List<List<string>>();
            var row = new List<string>();
            var cell = new System.Text.StringBuilder();
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        cell.Append(c);
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == ',')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                }
                else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                    rows.Add(row);
                    row = [];
                    i++;
                }
                else
                {
                    cell.Append(c);
                }
            }

            return rows;
        }
    }
}
