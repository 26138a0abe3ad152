using Dashboard.Core.Actions;
using Dashboard.Core.Bulk;
using Dashboard.Core.Jobs;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

/// <summary>Bulk operations on real PostgreSQL: exact previews, exactly-once chunks, a killed runner, cancel, one runner at a time.</summary>
public sealed class BulkOperationTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly OperatorActions _actions = CreateActions(db);

    private static readonly IOptions<DashboardOptions> _options = Options.Create(new DashboardOptions
    {
        Bulk = new BulkOptions { ChunkSize = 1000, ChunkPause = TimeSpan.Zero, ChunkPauseFactor = 0 },
    });

    // Test instrumentation only: counts every failed → queued transition per job.
    public async Task InitializeAsync() => await db.PsqlAsync(
        """
        CREATE TABLE IF NOT EXISTS retried (id bigint NOT NULL);
        CREATE OR REPLACE FUNCTION count_retry() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO retried (id) VALUES (NEW.id); RETURN NULL; END $$;
        DROP TRIGGER IF EXISTS count_retry ON jobs;
        CREATE TRIGGER count_retry AFTER UPDATE OF state ON jobs FOR EACH ROW
            WHEN (OLD.state = 'failed' AND NEW.state = 'queued') EXECUTE FUNCTION count_retry();
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private BulkOperationRunner Runner() => new(db.Db, _options, NullLogger<BulkOperationRunner>.Instance);

    private async Task FailedAsync(string kind, int count) => await db.PsqlAsync(
        """
        INSERT INTO jobs (kind, state, attempts, max_attempts, finished_at, last_error, leased_by)
        SELECT @Kind, 'failed', 5, 5, now(), 'upstream said 503 (' || g || ')', 'w:1' FROM generate_series(1, @Count) g
        """,
        new { Kind = kind, Count = count });

    [Fact]
    public async Task BulkRetry_Of50000_RetriesEachJobExactlyOnce_AndSurvivesAKilledRunner()
    {
        // Arrange: 50,000 failed jobs of the kind, plus jobs the filter must not touch.
        var kind = Kind("bulk");
        await FailedAsync(kind, 50_000);
        await FailedAsync(Kind("other"), 300);
        await db.PsqlAsync("INSERT INTO jobs (kind, state) SELECT @Kind, 'done' FROM generate_series(1, 500)", new { Kind = kind });
        var filter = new JobFilter { Kind = kind, State = "failed" };
        var preview = await _actions.PreviewAsync(new StartBulkOperation(JobTransitions.Kind.Retry, filter), CancellationToken.None);
        Assert.Equal(50_000, preview.RowsAffected);

        // Act 1: start it, then kill the runner's database session inside its 21st chunk, before that chunk commits.
        // Jobs retried by earlier chunks fail again at once, so a second retry of any job would show.
        var result = await _actions.ExecuteAsync(
            new StartBulkOperation(JobTransitions.Kind.Retry, filter, preview.RowsAffected), Alice, "replay after the upstream outage", Key(), CancellationToken.None);
        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        var first = Runner();
        var chunks = 0;
        first.BeforeChunkCommitForTesting = async _ =>
        {
            await db.PsqlAsync("UPDATE jobs SET state = 'failed' WHERE kind = @Kind AND state = 'queued'", new { Kind = kind });
            if (++chunks == 21)
            {
                await db.PsqlAsync(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()
                    """);
            }
        };
        await Assert.ThrowsAnyAsync<Exception>(() => first.RunPendingAsync(CancellationToken.None));

        // Assert 1: exactly the 20 committed chunks are applied; nothing of the 21st.
        var afterKill = await db.ScalarAsync<long>("SELECT changed FROM bulk_operations");
        Assert.Equal(20_000, afterKill);
        Assert.Equal(20_000, await db.ScalarAsync<long>("SELECT count(*) FROM retried"));

        // Act 2: a new runner (a restarted console) resumes.
        await Runner().RunPendingAsync(CancellationToken.None);

        // Assert 2: every matching job retried exactly once, the count equals the preview, nothing else touched.
        Assert.Equal(50_000, await db.ScalarAsync<long>("SELECT changed FROM bulk_operations"));
        Assert.Equal("completed", await db.ScalarAsync<string>("SELECT state FROM bulk_operations"));
        var perJob = await db.QueryAsync<(long Id, long Times)>("SELECT id, count(*) FROM retried GROUP BY id");
        Assert.Equal(50_000, perJob.Count);
        Assert.All(perJob, p => Assert.Equal(1, p.Times));
        Assert.Equal(50_000, await db.ScalarAsync<long>(
            "SELECT count(*) FROM retried r JOIN jobs j ON j.id = r.id WHERE j.kind = @Kind", new { Kind = kind }));
        Assert.Equal(300, await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind LIKE 'other.%' AND state = 'failed'"));

        // One intent entry, a few progress entries (tenths, the resume, the end), never one per job.
        var actions = await db.QueryAsync<string>("SELECT action FROM audit_log ORDER BY seq");
        Assert.Equal(1, actions.Count(a => a == "bulk_retry"));
        Assert.InRange(actions.Count(a => a == "bulk_progress"), 3, 13);
        var outcomes = await db.QueryAsync<string>("SELECT outcome FROM audit_log WHERE action = 'bulk_progress' ORDER BY seq");
        Assert.Contains(outcomes, o => o.Contains("resumed after a console restart at 20,000 of 50,000", StringComparison.Ordinal));
        Assert.Contains("completed", outcomes[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_StopsBeforeTheNextChunk_AndSaysWhatWasDone()
    {
        var kind = Kind("cancel");
        await FailedAsync(kind, 5_000);
        var filter = new JobFilter { Kind = kind };
        await _actions.ExecuteAsync(new StartBulkOperation(JobTransitions.Kind.Discard, filter), Alice, "give up", Key(), CancellationToken.None);
        var id = await db.ScalarAsync<long>("SELECT max(id) FROM bulk_operations");
        var runner = Runner();
        var chunks = 0;
        runner.AfterChunkCommitForTesting = async ct =>
        {
            if (++chunks == 2)
            {
                var cancel = await _actions.ExecuteAsync(new CancelBulkOperation(id, JobTransitions.Kind.Discard), Bob, "wrong filter", Key(), ct);
                Assert.Equal(ActionOutcome.Applied, cancel.Outcome);
            }
        };

        await runner.RunPendingAsync(CancellationToken.None);

        var state = await db.ScalarAsync<string>("SELECT state FROM bulk_operations WHERE id = @Id", new { Id = id });
        var changed = await db.ScalarAsync<long>("SELECT changed FROM bulk_operations WHERE id = @Id", new { Id = id });
        Assert.Equal("cancelled", state);
        Assert.Equal(2000, changed);
        Assert.Equal(2000, await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind = @Kind AND state = 'discarded'", new { Kind = kind }));
        Assert.Contains("cancelled by bob", await db.ScalarAsync<string>("SELECT outcome FROM audit_log WHERE action = 'bulk_progress' ORDER BY seq DESC LIMIT 1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runner_LeavesAnOperationToTheInstanceRunningIt()
    {
        var kind = Kind("lock");
        await FailedAsync(kind, 3_000);
        await _actions.ExecuteAsync(new StartBulkOperation(JobTransitions.Kind.Retry, new JobFilter { Kind = kind }), Alice, "retry", Key(), CancellationToken.None);
        var first = Runner();
        var second = Runner();
        var secondRan = -1;
        var chunks = 0;
        first.BeforeChunkCommitForTesting = async ct =>
        {
            if (++chunks == 1)
            {
                // While the first instance holds the operation, the second finds nothing it may run.
                secondRan = await second.RunPendingAsync(ct);
            }
        };

        Assert.Equal(1, await first.RunPendingAsync(CancellationToken.None));

        Assert.Equal(0, secondRan);
        Assert.Equal(3000, await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind = @Kind AND state = 'queued' AND attempts = 0", new { Kind = kind }));
    }
}
