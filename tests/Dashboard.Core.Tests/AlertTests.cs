using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dashboard.Core.Alerts;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
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
    public async Task Rules_CoverBacklogAgeFailureRateStuckAndPauses()
    {
        var now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var kind = new KindStatus("k", [new StateCount("queued", 3, false)], now.AddMinutes(-10), TimeSpan.FromMinutes(1), true, "ops", now.AddHours(-2), "why", null);
        var stuck = new ProcessingJob(1, "k", "w:1", now.AddMinutes(-30), now.AddMinutes(-20), 1, Guid.NewGuid(), TimeSpan.FromMinutes(5), true);
        var snapshot = new DashboardSnapshot(now, [], [kind], [stuck], [], new IntakeStatus(false, "deploy", now.AddMinutes(-20), "deploying"));
        AlertRule Rule(long id, string condition, double threshold, string? k = null) => new(id, condition, k, condition, threshold, 5, true, "page", null, now);
        var rules = new[]
        {
            Rule(1, AlertConditions.BacklogAbove, 2), Rule(2, AlertConditions.BacklogAbove, 3),
            Rule(3, AlertConditions.OldestQueuedOlderThan, 300), Rule(4, AlertConditions.FailureRateAbove, 20),
            Rule(5, AlertConditions.StuckLongerThan, 600), Rule(6, AlertConditions.IntakePausedLongerThan, 600),
            Rule(7, AlertConditions.IntakePausedLongerThan, 3600, "k"), Rule(8, AlertConditions.StuckLongerThan, 1200),
        };

        var breaches = AlertRules.Evaluate(rules, snapshot, _ => new Dictionary<string, AlertRules.Finished> { ["k"] = new(7, 3) });

        Assert.Equal([1L, 3, 4, 5, 6, 7], breaches.Select(b => b.RuleId).Order());
        Assert.Equal("*", breaches.Single(b => b.RuleId == 6).Subject);
        Assert.Equal(900, breaches.Single(b => b.RuleId == 5).Value, 3);
        Assert.Equal(30, breaches.Single(b => b.RuleId == 4).Value, 3);
    }

    [Fact]
    public async Task SaveRule_RejectsBadValues_AndDuplicateNames()
    {
        var store = new AlertStore(db.Db);
        var id = await store.SaveRuleAsync(null, "page rule", "k", AlertConditions.BacklogAbove, 10, 5, true, "admin", CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveRuleAsync(null, "page rule", null, AlertConditions.BacklogAbove, 1, 5, true, "admin", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveRuleAsync(null, "x", null, "drop table", 1, 5, true, "admin", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveRuleAsync(null, "bad\u0007name", null, AlertConditions.BacklogAbove, 1, 5, true, "admin", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveRuleAsync(id, "page rule", null, AlertConditions.BacklogAbove, -1, 5, true, "admin", CancellationToken.None));
        await store.SaveRuleAsync(id, "page rule", null, AlertConditions.FailureRateAbove, 12.5, 15, false, "admin2", CancellationToken.None);

        var rule = (await store.RulesAsync(CancellationToken.None)).Single(r => r.Id == id);
        Assert.Equal((null as string, AlertConditions.FailureRateAbove, 12.5, 15, false, "admin2"), (rule.Kind, rule.Condition, rule.Threshold, rule.WindowMinutes, rule.Enabled, rule.UpdatedBy));
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
