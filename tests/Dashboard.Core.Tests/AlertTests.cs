using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dashboard.Core.Actions;
using Dashboard.Core.Alerts;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Dashboard.Core.Singletons;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Core.Tests;

public sealed class AlertTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Alert_FiresOnce_IsDeliveredWithRetry_AndResolvesOnce()
    {
        await using var receiver = Receiver.Start(failFirst: 1);
        var options = Microsoft.Extensions.Options.Options.Create(new DashboardOptions
        {
            ConnectionString = db.ConnectionString,
            Alerts = new AlertOptions
            {
                WebhookUrl = receiver.Url,
                RetryDelay = TimeSpan.Zero,
                Rules = [new AlertRuleSettings { Name = "backlog", Kind = "alert.k", Condition = AlertConditions.BacklogAbove, Threshold = 5 }],
            },
        });
        var feed = new ChangeFeed();
        var loop = new SnapshotLoop(new SnapshotQueries(db.Db, options), new Migrator(db.Db), feed, options, NullLogger<SnapshotLoop>.Instance);
        var store = new AlertStore(db.Db);
        using var service = new AlertService(
            store, feed, new SingletonLocks(options, new InstanceIdentity("alerts"), NullLogger<SingletonLocks>.Instance), options,
            NullLogger<AlertService>.Instance);
        await store.SeedAsync(options.Value.Alerts.Rules, CancellationToken.None);

        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT 'alert.k' FROM generate_series(1, 8)");
        await loop.TickAsync(CancellationToken.None);
        await service.TickAsync(CancellationToken.None); // fires; the receiver refuses the first delivery
        await service.TickAsync(CancellationToken.None); // retried and accepted
        await service.TickAsync(CancellationToken.None); // still breached: nothing new

        await db.PsqlAsync("UPDATE jobs SET state = 'done', finished_at = now() WHERE kind = 'alert.k'");
        await loop.TickAsync(CancellationToken.None);
        await service.TickAsync(CancellationToken.None); // resolves and delivers the resolution
        await service.TickAsync(CancellationToken.None);

        var accepted = receiver.Accepted.ToList();
        Assert.Equal(["firing", "resolved"], accepted.Select(a => a.GetProperty("status").GetString()));
        Assert.Equal(3, receiver.Requests);
        Assert.Contains("alert.k: backlog 8 jobs", accepted[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(accepted[0].GetProperty("alert").GetProperty("id").GetInt64(), accepted[1].GetProperty("alert").GetProperty("id").GetInt64());

        var events = await store.RecentAsync(TimeSpan.FromHours(1), CancellationToken.None);
        var e = Assert.Single(events);
        Assert.NotNull(e.ResolvedAt);
        Assert.NotNull(e.FireDeliveredAt);
        Assert.NotNull(e.ResolveDeliveredAt);
        Assert.Equal(1, e.DeliveryAttempts);
    }

    [Fact]
    public void Rules_CoverBacklogAgeFailureRateStuckAndPauses()
    {
        var now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var kind = new KindStatus("k", [new StateCount("queued", 3, false)], now.AddMinutes(-10), TimeSpan.FromMinutes(1), true, "ops", now.AddHours(-2), "why", null, Stuck: 1);
        var snapshot = new DashboardSnapshot(now, [], [kind], new LeaseTotals(1, 1, now.AddMinutes(-30)), [], [], 0, new IntakeStatus(false, "deploy", now.AddMinutes(-20), "deploying"));
        AlertRule Rule(long id, string condition, double threshold, string? k = null) => new(id, condition, k, condition, threshold, 5, true, "page", null, now);
        var rules = new[]
        {
            Rule(1, AlertConditions.BacklogAbove, 2), Rule(2, AlertConditions.BacklogAbove, 3),
            Rule(3, AlertConditions.OldestQueuedOlderThan, 300), Rule(4, AlertConditions.FailureRateAbove, 20),
            Rule(5, AlertConditions.StuckLongerThan, 600), Rule(6, AlertConditions.IntakePausedLongerThan, 600),
            Rule(7, AlertConditions.IntakePausedLongerThan, 3600, "k"), Rule(8, AlertConditions.StuckLongerThan, 1200),
        };
        var stuck = new Dictionary<string, AlertRules.Stuck> { ["k"] = new(1, 900) };

        var breaches = AlertRules.Evaluate(rules, snapshot, _ => new Dictionary<string, AlertRules.Finished> { ["k"] = new(7, 3) }, stuck);

        Assert.Equal([1L, 3, 4, 5, 6, 7], breaches.Select(b => b.RuleId).Order());
        Assert.Equal("*", breaches.Single(b => b.RuleId == 6).Subject);
        Assert.Equal(900, breaches.Single(b => b.RuleId == 5).Value, 3);
        Assert.Equal(30, breaches.Single(b => b.RuleId == 4).Value, 3);
    }

    [Fact]
    public async Task StuckLeases_AreCountedOverAllRows_ByTheOneStuckRule()
    {
        // More stuck leases than any page of the processing list holds, of a kind with its own lease timeout, and fresh
        // leases beside them: the count and the longest overrun come from SQL over every row.
        var kind = $"stuck.{Guid.NewGuid():N}";
        await db.PsqlAsync($"""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('{kind}', interval '1 minute');
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, attempts, lease_token)
            SELECT '{kind}', 'processing', 'w:' || i, now() - interval '1 hour', now() - make_interval(mins => 10 + i % 20), 1, gen_random_uuid()
            FROM generate_series(1, 1500) i;
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, attempts, lease_token)
            SELECT '{kind}', 'processing', 'w:fresh', now(), now(), 1, gen_random_uuid() FROM generate_series(1, 300);
            """);

        var stuck = (await new AlertStore(db.Db).StuckAsync(CancellationToken.None))[kind];
        var expected = (await db.QueryAsync<(long Count, double Longest)>($"""
            SELECT count(*), max(extract(epoch FROM now() - (heartbeat_at + interval '1 minute')))::float8
            FROM jobs WHERE kind = '{kind}' AND heartbeat_at < now() - interval '1 minute'
            """)).Single();

        Assert.Equal(1500, stuck.Count);
        Assert.Equal(expected.Count, stuck.Count);
        Assert.Equal(expected.Longest, stuck.LongestSeconds, 0);
        Assert.InRange(stuck.LongestSeconds, 28 * 60 - 5, 29 * 60 + 5);
    }

    [Fact]
    public async Task SaveRule_IsAnAuditedAction_CheckedOnTheServer()
    {
        var actions = new Dashboard.Core.Actions.OperatorActions(db.Db, Microsoft.Extensions.Options.Options.Create(new DashboardOptions()));
        var audit = new Dashboard.Core.Audit.AuditQueries(db.Db);
        var admin = new Actor("ada", "local", "10.0.0.1", Roles.Admin);
        var operatorActor = new Actor("otto", "local", "10.0.0.2", Roles.Operator);
        var name = $"page rule {Guid.NewGuid():N}";
        var store = new AlertStore(db.Db);

        var created = await actions.ExecuteAsync(new SaveAlertRule(null, name, "k", AlertConditions.BacklogAbove, 10, 5, true), admin, "page at 10", Guid.NewGuid().ToString("N"), CancellationToken.None);
        var id = (await store.RulesAsync(CancellationToken.None)).Single(r => r.Name == name).Id;
        var denied = await actions.ExecuteAsync(new SaveAlertRule(id, name, null, AlertConditions.BacklogAbove, 1, 5, false), operatorActor, "switch it off", Guid.NewGuid().ToString("N"), CancellationToken.None);
        var duplicate = await actions.ExecuteAsync(new SaveAlertRule(null, name, null, AlertConditions.BacklogAbove, 1, 5, true), admin, "again", Guid.NewGuid().ToString("N"), CancellationToken.None);
        var changed = await actions.ExecuteAsync(new SaveAlertRule(id, name, null, AlertConditions.FailureRateAbove, 12.5, 15, false), admin, "rate instead", Guid.NewGuid().ToString("N"), CancellationToken.None);
        var same = await actions.ExecuteAsync(new SaveAlertRule(id, name, null, AlertConditions.FailureRateAbove, 12.5, 15, false), admin, "once more", Guid.NewGuid().ToString("N"), CancellationToken.None);

        Assert.Equal(
            [ActionOutcome.Applied, ActionOutcome.Denied, ActionOutcome.Refused, ActionOutcome.Applied, ActionOutcome.NoChange],
            new[] { created, denied, duplicate, changed, same }.Select(r => r.Outcome));
        var rule = (await store.RulesAsync(CancellationToken.None)).Single(r => r.Id == id);
        Assert.Equal((null as string, AlertConditions.FailureRateAbove, 12.5, 15, false, "ada"), (rule.Kind, rule.Condition, rule.Threshold, rule.WindowMinutes, rule.Enabled, rule.UpdatedBy));

        var entry = (await audit.GetAsync(changed.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("ada", "save_alert_rule", "rate instead", "applied"), (entry.Actor, entry.Action, entry.Reason, entry.OutcomeCode));
        using var before = System.Text.Json.JsonDocument.Parse(entry.Before!);
        using var after = System.Text.Json.JsonDocument.Parse(entry.After!);
        Assert.Equal(AlertConditions.BacklogAbove, before.RootElement.GetProperty("condition").GetString());
        Assert.Equal(12.5, after.RootElement.GetProperty("threshold").GetDouble());
        var deniedEntry = (await audit.GetAsync(denied.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("otto", "denied", 0), (deniedEntry.Actor, deniedEntry.OutcomeCode, deniedEntry.RowsAffected));

        // Bad values never reach the database.
        foreach (var bad in new[]
        {
            new SaveAlertRule(null, "x", null, "drop table", 1, 5, true),
            new SaveAlertRule(null, "bad\u0007name", null, AlertConditions.BacklogAbove, 1, 5, true),
            new SaveAlertRule(id, name, null, AlertConditions.BacklogAbove, -1, 5, true),
            new SaveAlertRule(id, name, null, AlertConditions.BacklogAbove, double.NaN, 5, true),
            new SaveAlertRule(id, name, null, AlertConditions.FailureRateAbove, 1, 0, true),
        })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => actions.ExecuteAsync(bad, admin, "bad", Guid.NewGuid().ToString("N"), CancellationToken.None));
        }
    }

    /// <summary>A real HTTP receiver on 127.0.0.1 that refuses the first <c>failFirst</c> requests with 500.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private int _failLeft;
        private int _requests;

        private Receiver(int port, int failFirst)
        {
            _failLeft = failFirst;
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<JsonElement> Accepted { get; } = new();

        public int Requests => Volatile.Read(ref _requests);

        public static Receiver Start(int failFirst)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new Receiver(port, failFirst);
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                using var body = await JsonDocument.ParseAsync(context.Request.InputStream);
                if (Interlocked.Decrement(ref _failLeft) >= 0)
                {
                    context.Response.StatusCode = 500;
                }
                else
                {
                    Accepted.Enqueue(body.RootElement.Clone());
                    context.Response.StatusCode = 200;
                }

                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
