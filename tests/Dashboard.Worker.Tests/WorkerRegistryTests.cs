using Dashboard.Core.Claims;
using Dashboard.Core.Jobs;
using Dashboard.Testing;

namespace Dashboard.Worker.Tests;

public sealed class WorkerRegistryTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly WorkerIdentity _worker = new("host-a:17", "host-a", 17, ["a", "b"], 4);

    private WorkerRegistry Registry => new(db.Db);

    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;
        UPDATE queue_control SET accepting = true;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private sealed class WorkerRow
    {
        public string State { get; init; } = "";

        public string Host { get; init; } = "";

        public int Pid { get; init; }

        public string[] Kinds { get; init; } = [];

        public int Concurrency { get; init; }

        public int CurrentJobs { get; init; }

        public bool DrainRequested { get; init; }

        public DateTime? StoppedAt { get; init; }
    }

    private async Task<WorkerRow> RowAsync() => (await db.QueryAsync<WorkerRow>("""
        SELECT state, host, pid, kinds, concurrency, current_jobs AS CurrentJobs, drain_requested AS DrainRequested, stopped_at AS StoppedAt
        FROM workers WHERE id = 'host-a:17'
        """)).Single();

    [Fact]
    public async Task Register_InsertsARunningRow_AndKeepsAPendingDrain()
    {
        var first = await Registry.RegisterAsync(_worker, CancellationToken.None);
        await Registry.MarkStoppedAsync(_worker.Id, CancellationToken.None);
        await db.PsqlAsync("UPDATE workers SET drain_requested = true");

        var again = await Registry.RegisterAsync(_worker, CancellationToken.None);

        Assert.Equal(new WorkerSignals(false, true), first);
        Assert.Equal(new WorkerSignals(true, true), again);
        var row = await RowAsync();
        Assert.Equal(("running", "host-a", 17, 4, 0, true, (DateTime?)null), (row.State, row.Host, row.Pid, row.Concurrency, row.CurrentJobs, row.DrainRequested, row.StoppedAt));
        Assert.Equal(["a", "b"], row.Kinds);
    }

    [Fact]
    public async Task Heartbeat_ReportsStateAndLoad_AndReturnsDrainAndIntakeFlags()
    {
        await Registry.RegisterAsync(_worker, CancellationToken.None);
        await db.PsqlAsync("UPDATE workers SET heartbeat_at = now() - interval '1 hour'; UPDATE queue_control SET accepting = false;");

        var signals = await Registry.HeartbeatAsync(_worker, WorkerStates.Draining, 3, CancellationToken.None);

        Assert.Equal(new WorkerSignals(false, false), signals);
        Assert.True(signals.ShouldDrain);
        Assert.Equal(("draining", 3), ((await RowAsync()).State, (await RowAsync()).CurrentJobs));
        Assert.True(await db.ScalarAsync<bool>("SELECT heartbeat_at > now() - interval '1 minute' FROM workers"));
    }

    [Fact]
    public async Task Heartbeat_RecreatesARowDeletedByHand()
    {
        var signals = await Registry.HeartbeatAsync(_worker, WorkerStates.Running, 2, CancellationToken.None);

        Assert.Equal(new WorkerSignals(false, true), signals);
        Assert.Equal(("running", 2), ((await RowAsync()).State, (await RowAsync()).CurrentJobs));
    }

    [Fact]
    public async Task MarkStopped_RecordsTheStop()
    {
        await Registry.RegisterAsync(_worker, CancellationToken.None);
        await Registry.HeartbeatAsync(_worker, WorkerStates.Draining, 2, CancellationToken.None);

        await Registry.MarkStoppedAsync(_worker.Id, CancellationToken.None);

        var row = await RowAsync();
        Assert.Equal(("stopped", 0), (row.State, row.CurrentJobs));
        Assert.NotNull(row.StoppedAt);
    }

    [Fact]
    public async Task Enqueue_AddsAQueuedJob_OrParksItWhenItsKindIsPaused()
    {
        var commands = new JobCommands(db.Db);
        await db.PsqlAsync("INSERT INTO job_kinds (kind, paused) VALUES ('held', true)");

        var queued = await commands.EnqueueAsync("a", """{"to": "x@example.com"}""", maxAttempts: 2);
        var later = await commands.EnqueueAsync("a", runAt: DateTime.UtcNow.AddHours(1));
        var parked = await commands.EnqueueAsync("held");
        var many = await commands.EnqueueManyAsync("b", ["""{"n": 1}""", """{"n": 2}""", """{"n": 3}"""]);

        Assert.Equal(3, many);
        Assert.Equal(("queued", """{"to": "x@example.com"}""", 2), (await db.QueryAsync<(string, string, int)>(
            "SELECT state, payload::text, max_attempts FROM jobs WHERE id = @queued", new { queued })).Single());
        Assert.Equal("paused", await db.ScalarAsync<string>("SELECT state FROM jobs WHERE id = @parked", new { parked }));
        var claimed = await new JobClaims(db.Db).ClaimAsync("w:1", ["a", "b", "held"], 10, CancellationToken.None);
        Assert.Equal(4, claimed.Count);
        Assert.DoesNotContain(claimed, j => j.Id == later || j.Id == parked);
        Assert.Equal(["""{"n": 1}""", """{"n": 2}""", """{"n": 3}"""], claimed.Where(j => j.Kind == "b").Select(j => j.Payload));
    }
}
