using Dashboard.Core.Claims;
using Dashboard.Testing;

namespace Dashboard.Worker.Tests;

public sealed class JobClaimsTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly string[] _kinds = ["a", "b"];
    private static readonly RetryBackoff _backoff = new(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

    private JobClaims Claims => new(db.Db);

    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;
        UPDATE queue_control SET accepting = true;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<IReadOnlyList<ClaimedJob>> ClaimAsync(string worker = "w:1", int batch = 10, string[]? kinds = null) =>
        Claims.ClaimAsync(worker, kinds ?? _kinds, batch, CancellationToken.None);

    private sealed record JobRow(string State, string? LeasedBy, DateTime? LeasedAt, DateTime? HeartbeatAt, Guid? LeaseToken, int Attempts, string? Checkpoint, string? LastError, DateTime RunAt, DateTime? FinishedAt);

    private async Task<JobRow> RowAsync(long id) => (await db.QueryAsync<JobRow>("""
        SELECT state, leased_by AS LeasedBy, leased_at AS LeasedAt, heartbeat_at AS HeartbeatAt, lease_token AS LeaseToken,
               attempts, checkpoint::text AS Checkpoint, last_error AS LastError, run_at AS RunAt, finished_at AS FinishedAt
        FROM jobs WHERE id = @id
        """, new { id })).Single();

    [Fact]
    public async Task Claim_LeasesOldestDueJobsFirst_UpToBatchSize()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (id, kind, run_at) VALUES
              (1, 'a', now() - interval '1 minute'), (2, 'a', now() - interval '3 minutes'),
              (3, 'b', now() - interval '2 minutes'), (4, 'a', now() + interval '1 hour');
            """);

        var first = await ClaimAsync(batch: 2);
        var second = await ClaimAsync(batch: 10);

        Assert.Equal([2L, 3L], first.Select(j => j.Id));
        Assert.Equal([1L], second.Select(j => j.Id));
        var row = await RowAsync(2);
        Assert.Equal("processing", row.State);
        Assert.Equal("w:1", row.LeasedBy);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(first[0].LeaseToken, row.LeaseToken);
        Assert.Equal(row.LeasedAt, row.HeartbeatAt);
        Assert.NotEqual(first[0].LeaseToken, first[1].LeaseToken);
        Assert.Equal("queued", (await RowAsync(4)).State);
    }

    [Fact]
    public async Task Claim_ReturnsKindTimeoutOrDefault_AndOnlyRequestedKinds()
    {
        await db.PsqlAsync("""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('a', interval '42 seconds');
            INSERT INTO jobs (id, kind) VALUES (1, 'a'), (2, 'b'), (3, 'c');
            """);

        var claimed = await ClaimAsync();

        Assert.Equal([1L, 2L], claimed.Select(j => j.Id).Order());
        Assert.Equal(TimeSpan.FromSeconds(42), claimed.Single(j => j.Kind == "a").LeaseTimeout);
        Assert.Equal(JobClaims.DefaultLeaseTimeout, claimed.Single(j => j.Kind == "b").LeaseTimeout);
        Assert.Equal("queued", (await RowAsync(3)).State);
    }

    [Fact]
    public async Task Claim_NeverHandsOutAJobTwice_WhenEightWorkersRace()
    {
        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT 'a' FROM generate_series(1, 2000)");

        var perWorker = await Task.WhenAll(Enumerable.Range(1, 8).Select(async w =>
        {
            var mine = new List<long>();
            while (true)
            {
                var batch = await ClaimAsync($"w:{w}", batch: 7);
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(j => j.Id));
            }
        }));

        var all = perWorker.SelectMany(ids => ids).ToList();
        Assert.Equal(2000, all.Count);
        Assert.Equal(2000, all.Distinct().Count());
        Assert.True(perWorker.Count(ids => ids.Count > 0) > 1, "the claims were spread over several workers");
        Assert.Equal(2000, await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'processing' AND attempts = 1"));
    }

    [Fact]
    public async Task Claim_SkipsPausedKind_EvenWhileItsJobsStillSayQueued()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (id, kind) VALUES (1, 'a'), (2, 'b');
            INSERT INTO job_kinds (kind, paused) VALUES ('a', true);
            """);

        var whilePaused = await ClaimAsync();
        await db.PsqlAsync("UPDATE job_kinds SET paused = false WHERE kind = 'a'");
        var afterResume = await ClaimAsync();

        Assert.Equal([2L], whilePaused.Select(j => j.Id));
        Assert.Equal([1L], afterResume.Select(j => j.Id));
    }

    [Fact]
    public async Task Claim_ReturnsNothing_WhileIntakeIsPaused()
    {
        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('a'); UPDATE queue_control SET accepting = false;");

        var whilePaused = await ClaimAsync();
        await db.PsqlAsync("UPDATE queue_control SET accepting = true");
        var afterResume = await ClaimAsync();

        Assert.Empty(whilePaused);
        Assert.Single(afterResume);
    }

    [Fact]
    public async Task Claim_ReturnsNothingToADrainingWorker_WhileOthersStillClaim()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (kind) VALUES ('a'), ('a');
            INSERT INTO workers (id, host, pid, drain_requested) VALUES ('w:1', 'w', 1, true);
            """);

        var draining = await ClaimAsync("w:1", batch: 1);
        var other = await ClaimAsync("w:2", batch: 1);
        await db.PsqlAsync("UPDATE workers SET drain_requested = false WHERE id = 'w:1'");
        var resumed = await ClaimAsync("w:1", batch: 1);

        Assert.Empty(draining);
        Assert.Single(other);
        Assert.Single(resumed);
    }

    [Fact]
    public async Task FencedCalls_AreRefused_AfterTheRunbooksForceRelease()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (42, 'a')");
        var old = (await ClaimAsync("w:1")).Single();

        await db.PsqlAsync("UPDATE jobs SET leased_at = NULL, leased_by = NULL, state = 'queued' WHERE id = 42;");
        var refusedWhileQueued = await Claims.CompleteAsync(old.Lease, CancellationToken.None);
        var reclaimed = (await ClaimAsync("w:2")).Single();

        Assert.Equal(LeaseResult.LeaseMovedOn, refusedWhileQueued);
        Assert.NotEqual(old.LeaseToken, reclaimed.LeaseToken);
        Assert.Equal(2, reclaimed.Attempts);
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.CompleteAsync(old.Lease, CancellationToken.None));
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.CheckpointAsync(old.Lease, """{"step": 9}""", CancellationToken.None));
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.ReleaseAsync(old.Lease, CancellationToken.None));
        Assert.Equal(LeaseResult.LeaseMovedOn, (await Claims.FailAsync(old.Lease, "late", _backoff, CancellationToken.None)).Result);
        Assert.Equal([old.Lease], await Claims.HeartbeatAsync([old.Lease, reclaimed.Lease], CancellationToken.None));
        Assert.Equal(("processing", "w:2"), ((await RowAsync(42)).State, (await RowAsync(42)).LeasedBy));

        Assert.Equal(LeaseResult.Applied, await Claims.CompleteAsync(reclaimed.Lease, CancellationToken.None));
        var row = await RowAsync(42);
        Assert.Equal("done", row.State);
        Assert.Null(row.Checkpoint);
        Assert.NotNull(row.FinishedAt);
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.CompleteAsync(reclaimed.Lease, CancellationToken.None));
    }

    [Fact]
    public async Task Heartbeat_ExtendsOnlyLeasesStillHeld()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (1, 'a'), (2, 'a')");
        var claimed = await ClaimAsync();
        await db.PsqlAsync("UPDATE jobs SET heartbeat_at = now() - interval '1 hour'");
        await Claims.CompleteAsync(claimed[1].Lease, CancellationToken.None);

        var lost = await Claims.HeartbeatAsync([claimed[0].Lease, claimed[1].Lease], CancellationToken.None);

        Assert.Equal([claimed[1].Lease], lost);
        Assert.True(await db.ScalarAsync<bool>("SELECT heartbeat_at > now() - interval '1 minute' FROM jobs WHERE id = 1"));
        Assert.True(await db.ScalarAsync<bool>("SELECT heartbeat_at < now() - interval '1 minute' FROM jobs WHERE id = 2"));
    }

    [Fact]
    public async Task Release_RequeuesWithCheckpoint_AndTheNextClaimResumesFromIt()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (1, 'a')");
        var first = (await ClaimAsync()).Single();
        Assert.Equal(LeaseResult.Applied, await Claims.CheckpointAsync(first.Lease, """{"step": 3}""", CancellationToken.None));

        Assert.Equal(LeaseResult.Applied, await Claims.ReleaseAsync(first.Lease, CancellationToken.None));
        var released = await RowAsync(1);
        var second = (await ClaimAsync("w:2")).Single();

        Assert.Equal(("queued", null, null, null, 0), (released.State, released.LeasedBy, released.LeasedAt, released.LeaseToken, released.Attempts));
        Assert.Equal("""{"step": 3}""", released.Checkpoint);
        Assert.Equal("""{"step": 3}""", second.Checkpoint);
        Assert.Equal(1, second.Attempts);
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.CompleteAsync(first.Lease, CancellationToken.None));
    }

    [Fact]
    public async Task Fail_RetriesWithExponentialBackoff_ThenFailsForGoodAtMaxAttempts()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind, max_attempts) VALUES (1, 'a', 3)");
        var delays = new List<TimeSpan>();
        FailResult? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var job = (await ClaimAsync()).Single();
            Assert.Equal(attempt, job.Attempts);
            last = await Claims.FailAsync(job.Lease, $"boom {attempt}", _backoff, CancellationToken.None);
            if (last.State == "queued")
            {
                // Both set by the same statement from the same now(): the delay exactly, however slow the machine.
                delays.Add(await db.ScalarAsync<TimeSpan>("SELECT run_at - updated_at FROM jobs WHERE id = 1"));
                await db.PsqlAsync("UPDATE jobs SET run_at = now() WHERE id = 1");
            }
        }

        Assert.Equal(2, delays.Count);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)], delays);
        Assert.Equal("failed", last!.State);
        var row = await RowAsync(1);
        Assert.Equal(("failed", "boom 3", "w:1", null), (row.State, row.LastError, row.LeasedBy, row.LeaseToken));
        Assert.NotNull(row.FinishedAt);
    }

    [Fact]
    public async Task Fail_CapsTheBackoff_AndKeepsTheCheckpoint()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind, attempts) VALUES (1, 'a', 3)");
        var job = (await ClaimAsync()).Single();
        await Claims.CheckpointAsync(job.Lease, """{"step": 1}""", CancellationToken.None);

        var result = await Claims.FailAsync(job.Lease, "boom", new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)), CancellationToken.None);

        var row = await RowAsync(1);
        Assert.Equal(("queued", null, null), (result.State, row.LeasedBy, row.LeaseToken));
        Assert.Equal(row.RunAt, result.RunAt);
        Assert.Equal(TimeSpan.FromSeconds(15), await db.ScalarAsync<TimeSpan>("SELECT run_at - updated_at FROM jobs WHERE id = 1"));
        Assert.Equal("""{"step": 1}""", row.Checkpoint);
    }

    [Fact]
    public async Task Fail_ParksTheRetry_WhenItsKindIsPaused()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (1, 'a')");
        var job = (await ClaimAsync()).Single();
        await db.PsqlAsync("INSERT INTO job_kinds (kind, paused) VALUES ('a', true)");

        var result = await Claims.FailAsync(job.Lease, "boom", _backoff, CancellationToken.None);

        Assert.Equal("paused", result.State);
        Assert.Equal("paused", (await RowAsync(1)).State);
    }

    [Fact]
    public async Task ReclaimExpired_TakesBackOnlyExpiredLeases_AndFencesTheOldHolder()
    {
        await db.PsqlAsync("""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('slow', interval '1 hour'), ('fast', interval '1 minute');
            INSERT INTO jobs (id, kind, state, attempts, max_attempts, leased_by, leased_at, heartbeat_at, lease_token) VALUES
              (1, 'fast', 'processing', 1, 5, 'w:1', now() - interval '10 minutes', now() - interval '2 minutes', gen_random_uuid()),
              (2, 'fast', 'processing', 1, 5, 'w:1', now() - interval '10 minutes', now() - interval '10 seconds', gen_random_uuid()),
              (3, 'slow', 'processing', 1, 5, 'w:1', now() - interval '10 minutes', now() - interval '10 minutes', gen_random_uuid()),
              (4, 'other', 'processing', 1, 5, 'w:2', now() - interval '6 minutes', NULL, gen_random_uuid()),
              (5, 'other', 'processing', 1, 5, 'w:2', now() - interval '4 minutes', NULL, gen_random_uuid()),
              (6, 'fast', 'processing', 5, 5, 'w:1', now() - interval '10 minutes', now() - interval '2 minutes', gen_random_uuid());
            """);
        var oldToken = await db.ScalarAsync<Guid>("SELECT lease_token FROM jobs WHERE id = 1");

        var reclaimed = await Claims.ReclaimExpiredAsync(TimeSpan.FromMinutes(5), 100, CancellationToken.None);

        Assert.Equal([1L, 4L, 6L], reclaimed.Select(r => r.Id));
        Assert.Equal(["queued", "queued", "failed"], reclaimed.Select(r => r.State));
        Assert.Equal(["w:1", "w:2", "w:1"], reclaimed.Select(r => r.PreviousHolder));
        var row = await RowAsync(1);
        Assert.Equal(("queued", null, null), (row.State, row.LeasedBy, row.LeaseToken));
        Assert.Contains("lease expired", row.LastError, StringComparison.Ordinal);
        Assert.Equal(LeaseResult.LeaseMovedOn, await Claims.CompleteAsync(new Lease(1, oldToken), CancellationToken.None));
        Assert.Empty(await Claims.ReclaimExpiredAsync(TimeSpan.FromMinutes(5), 100, CancellationToken.None));
    }
}
