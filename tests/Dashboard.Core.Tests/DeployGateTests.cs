using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.DeployGate;
using Dashboard.Core.Security;
using Dashboard.Testing;
using static Dashboard.Core.Tests.ActionTestData;
using Gate = Dashboard.Core.DeployGate.DeployGate;

namespace Dashboard.Core.Tests;

public sealed class DeployGateTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly Actor _deployBot = new("deploy-bot", "token", "10.1.1.1", Roles.Operator);

    private Gate CreateGate() => new(db.Db, CreateActions(db), new Readiness.ReadinessQueries(db.Db));

    public Task InitializeAsync() => db.PsqlAsync("DELETE FROM jobs; UPDATE queue_control SET accepting = true;");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GetStatus_CountsLiveJobs_AndOldestLeaseInWholeMinutes()
    {
        await QueuedAsync(db, "a", 3);
        await db.PsqlAsync("INSERT INTO jobs (kind, state) VALUES ('a', 'done'), ('a', 'failed'), ('a', 'paused')");
        await ProcessingAsync(db, "a", "w:1", leasedAgo: TimeSpan.FromSeconds(7 * 60 + 50));
        await ProcessingAsync(db, "b", "w:2", leasedAgo: TimeSpan.FromSeconds(20));

        var status = await CreateGate().GetStatusAsync(CancellationToken.None);

        Assert.Equal(new DeployGateStatus(true, 2, 3, 7), status);
    }

    [Fact]
    public async Task GetStatus_ReportsZeroMinutes_WhenNothingRuns()
    {
        await QueuedAsync(db, "a", 1);

        var status = await CreateGate().GetStatusAsync(CancellationToken.None);

        Assert.Equal(new DeployGateStatus(true, 0, 1, 0), status);
    }

    [Fact]
    public async Task GetStatus_CanUseTheLiveIndex()
    {
        var plan = string.Join("\n", await db.QueryAsync<string>(
            "BEGIN; SET LOCAL enable_seqscan = off; EXPLAIN " + Gate.GetStatusSql + "; COMMIT;"));

        Assert.Contains("jobs_live_idx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_StopsIntakeAndIsAuditedWithTheTokensName()
    {
        var gate = CreateGate();

        var result = await gate.PauseAsync(_deployBot, ct: CancellationToken.None);
        var status = await gate.GetStatusAsync(CancellationToken.None);

        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        Assert.False(status.Accepting);
        var entry = (await new AuditQueries(db.Db).GetAsync(result.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("deploy-bot", "token", "10.1.1.1", "pause_intake", Gate.DefaultPauseReason), (entry.Actor, entry.AuthMethod, entry.SourceAddress, entry.Action, entry.Reason));
    }

    [Fact]
    public async Task Resume_IsIdempotentAndAuditedEachTime()
    {
        var gate = CreateGate();
        await gate.PauseAsync(_deployBot, "deploy 142", ct: CancellationToken.None);

        var first = await gate.ResumeAsync(_deployBot, "deploy 142 done", ct: CancellationToken.None);
        var second = await gate.ResumeAsync(_deployBot, ct: CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, ActionOutcome.NoChange), (first.Outcome, second.Outcome));
        Assert.True((await gate.GetStatusAsync(CancellationToken.None)).Accepting);
        Assert.Equal(
            ["applied", "no_change"],
            await db.QueryAsync<string>("SELECT split_part(outcome, ':', 1) FROM audit_log WHERE action = 'resume_intake' AND seq >= @seq ORDER BY seq", new { seq = first.AuditSeq }));
    }

    [Fact]
    public async Task Pause_RetriedWithSameKey_AppliesOnce()
    {
        var gate = CreateGate();

        var first = await gate.PauseAsync(_deployBot, idempotencyKey: "deploy-142-pause", ct: CancellationToken.None);
        var retry = await gate.PauseAsync(_deployBot, idempotencyKey: "deploy-142-pause", ct: CancellationToken.None);

        Assert.Equal(first with { Replayed = true }, retry);
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE idempotency_key = 'deploy-142-pause'"));
    }

    [Fact]
    public async Task Pause_IsDeniedAndRecorded_ForATokenWithoutThePermission()
    {
        var viewerToken = new Actor("read-only-token", "token", null, Roles.Viewer);

        var result = await CreateGate().PauseAsync(viewerToken, ct: CancellationToken.None);

        Assert.Equal(ActionOutcome.Denied, result.Outcome);
        Assert.True((await CreateGate().GetStatusAsync(CancellationToken.None)).Accepting);
        Assert.Equal("denied", (await new AuditQueries(db.Db).GetAsync(result.AuditSeq, CancellationToken.None))!.OutcomeCode);
    }
}
