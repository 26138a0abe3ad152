using Dashboard.Core.Actions;
using Dashboard.Core.Claims;
using Dashboard.Testing;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

/// <summary>Retry, discard and run-now of one job: compare-and-set on what the operator saw, audited, on real PostgreSQL.</summary>
public sealed class JobActionsTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private readonly OperatorActions _actions = CreateActions(db);

    private Task<long> JobAsync(string state, string extra = "", object? parameters = null) =>
        db.ScalarAsync<long>(
            $"INSERT INTO jobs (kind, state, attempts, max_attempts, last_error, error_history, leased_by, finished_at{(extra.Length > 0 ? ", " : "")}{extra.Split('=')[0]}) "
            + $"VALUES ('act.job', @State, 3, 3, 'boom', '[{{\"attempt\": 3, \"error\": \"boom\"}}]', 'w:1', now(){(extra.Length > 0 ? ", " + extra.Split('=')[1] : "")}) RETURNING id",
            new { State = state });

    private Task<ActionResult> RunAsync(OperatorAction action) => _actions.ExecuteAsync(action, Alice, "INC-7 cleanup", Key(), CancellationToken.None);

    private async Task<(string State, int Attempts, string? LastError, string? History, bool Due)> RowAsync(long id) =>
        (await db.QueryAsync<(string, int, string?, string?, bool)>(
            "SELECT state, attempts, last_error, error_history::text, run_at <= now() FROM jobs WHERE id = @Id", new { Id = id })).Single();

    [Fact]
    public async Task Retry_RequeuesAFailedJob_WithAttemptsReset_AndHistoryKept()
    {
        var id = await JobAsync("failed");

        var preview = await _actions.PreviewAsync(new RetryJob(id), CancellationToken.None);
        var result = await RunAsync(new RetryJob(id));

        Assert.Equal(1, preview.RowsAffected);
        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        var row = await RowAsync(id);
        Assert.Equal(("queued", 0, "boom", true), (row.State, row.Attempts, row.LastError, row.Due));
        Assert.Contains("boom", row.History, StringComparison.Ordinal);
        Assert.Equal(id, await db.ScalarAsync<long>("SELECT target_job_id FROM audit_log WHERE seq = @Seq", new { Seq = result.AuditSeq }));
    }

    [Fact]
    public async Task Retry_IsRefused_AndSaysWhatTheJobIsNow_WhenItMovedOn()
    {
        var id = await JobAsync("failed");
        // Someone else retried it and a worker took it since the operator looked.
        await db.PsqlAsync("UPDATE jobs SET state = 'processing', leased_by = 'web-9:99', lease_token = gen_random_uuid() WHERE id = @Id", new { Id = id });

        var result = await RunAsync(new RetryJob(id, "failed"));

        Assert.Equal(ActionOutcome.Refused, result.Outcome);
        Assert.Contains($"job {id} is now processing (held by web-9:99)", result.Message, StringComparison.Ordinal);
        Assert.Equal("processing", (await RowAsync(id)).State);
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("paused")]
    [InlineData("failed")]
    public async Task Discard_MakesTheJobTerminal_AndNoWorkerClaimsIt(string state)
    {
        var id = await JobAsync(state);

        var result = await RunAsync(new DiscardJob(id, state));

        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        Assert.Equal("discarded", (await RowAsync(id)).State);
        await db.PsqlAsync("UPDATE jobs SET run_at = now() - interval '1 minute' WHERE id = @Id", new { Id = id });
        Assert.DoesNotContain(await new JobClaims(db.Db).ClaimAsync("w:2", ["act.job"], 100, CancellationToken.None), j => j.Id == id);
    }

    [Fact]
    public async Task Discard_IsRefused_WhenTheJobIsNowRunning()
    {
        var id = await JobAsync("queued");
        await db.PsqlAsync("UPDATE jobs SET state = 'processing', leased_by = 'web-3:3' WHERE id = @Id", new { Id = id });

        var result = await RunAsync(new DiscardJob(id, "queued"));

        Assert.Equal(ActionOutcome.Refused, result.Outcome);
        Assert.Contains("is now processing (held by web-3:3), not queued", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunNow_MakesAScheduledJobDue_AndIsNoChange_WhenAlreadyDue()
    {
        var id = await JobAsync("queued", "run_at=now() + interval '2 hours'");

        var first = await RunAsync(new RunJobNow(id));
        var second = await RunAsync(new RunJobNow(id));

        Assert.Equal(ActionOutcome.Applied, first.Outcome);
        Assert.True((await RowAsync(id)).Due);
        Assert.Equal(ActionOutcome.NoChange, second.Outcome);
    }

    [Fact]
    public async Task Retry_IsDenied_ForAViewer()
    {
        var id = await JobAsync("failed");

        var result = await _actions.ExecuteAsync(new RetryJob(id), Victor, "try", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Denied, result.Outcome);
        Assert.Equal("failed", (await RowAsync(id)).State);
    }
}
