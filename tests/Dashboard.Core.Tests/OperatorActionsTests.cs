using System.Text.Json;
using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Security;
using Dashboard.Testing;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

public sealed class OperatorActionsTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private readonly AuditQueries _audit = new(db.Db);

    [Fact]
    public async Task PauseKind_ParksQueuedJobsAndRecordsEntry_InOneTransaction()
    {
        // Arrange
        var kind = Kind("search.reindex");
        await QueuedAsync(db, kind, 5);
        await ProcessingAsync(db, kind, "web-1:10");
        var expires = DateTimeOffset.UtcNow.AddHours(2);

        // Act
        var result = await CreateActions(db).ExecuteAsync(new PauseKind(kind, expires), Alice, "  index rebuild  ", Key(), CancellationToken.None);

        // Assert
        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        Assert.Equal(6, result.RowsAffected);
        Assert.Contains("parked 5 jobs queued as paused", result.Message, StringComparison.Ordinal);
        var row = (await db.QueryAsync<(bool Paused, string PausedBy, string PauseReason, DateTime Expires)>(
            "SELECT paused, paused_by, pause_reason, pause_expires_at FROM job_kinds WHERE kind = @kind", new { kind })).Single();
        Assert.Equal((true, "alice", "index rebuild"), (row.Paused, row.PausedBy, row.PauseReason));
        Assert.Equal(expires.UtcDateTime, row.Expires, TimeSpan.FromMilliseconds(1));
        Assert.Equal([("paused", 5L), ("processing", 1L)], await StatesAsync(kind));

        var entry = (await _audit.GetAsync(result.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("alice", "oidc", "10.0.0.7", "pause_kind", kind), (entry.Actor, entry.AuthMethod, entry.SourceAddress, entry.Action, entry.TargetKind));
        Assert.Equal(("index rebuild", 6, "applied"), (entry.Reason, entry.RowsAffected, entry.OutcomeCode));
        Assert.Equal(result.Message, entry.OutcomeMessage);
        using var before = JsonDocument.Parse(entry.Before!);
        using var after = JsonDocument.Parse(entry.After!);
        Assert.Equal(JsonValueKind.Null, before.RootElement.GetProperty("job_kind").ValueKind);
        Assert.Equal(5, before.RootElement.GetProperty("queued_jobs").GetInt32());
        Assert.True(after.RootElement.GetProperty("job_kind").GetProperty("paused").GetBoolean());
        Assert.Equal("alice", after.RootElement.GetProperty("job_kind").GetProperty("paused_by").GetString());

        // Jobs enqueued later are parked too (durable pause).
        await QueuedAsync(db, kind, 2);
        Assert.Equal([("paused", 7L), ("processing", 1L)], await StatesAsync(kind));
    }

    [Fact]
    public async Task PauseKind_ReturnsNoChangeAndKeepsFirstPause_WhenAlreadyPaused()
    {
        var kind = Kind();
        await QueuedAsync(db, kind, 3);
        var first = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, "first", Key(), CancellationToken.None);

        var second = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Bob, "second", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Applied, first.Outcome);
        Assert.Equal(ActionOutcome.NoChange, second.Outcome);
        Assert.Equal(0, second.RowsAffected);
        Assert.Contains("already paused (by alice", second.Message, StringComparison.Ordinal);
        Assert.Equal(("alice", "first"), (await db.QueryAsync<(string, string)>(
            "SELECT paused_by, pause_reason FROM job_kinds WHERE kind = @kind", new { kind })).Single());
        var entry = (await _audit.GetAsync(second.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("bob", "no_change", 0), (entry.Actor, entry.OutcomeCode, entry.RowsAffected));
    }

    [Fact]
    public async Task ResumeKind_RequeuesPausedJobs_AndIsHarmlessTwice()
    {
        var kind = Kind();
        await QueuedAsync(db, kind, 4);
        await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, "pause", Key(), CancellationToken.None);

        var first = await CreateActions(db).ExecuteAsync(new ResumeKind(kind), Alice, "resume", Key(), CancellationToken.None);
        var second = await CreateActions(db).ExecuteAsync(new ResumeKind(kind), Bob, "resume again", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, 5), (first.Outcome, first.RowsAffected));
        Assert.Equal((ActionOutcome.NoChange, 0), (second.Outcome, second.RowsAffected));
        Assert.NotEqual(first.AuditSeq, second.AuditSeq);
        Assert.Equal([("queued", 4L)], await StatesAsync(kind));
        Assert.False(await db.ScalarAsync<bool>("SELECT paused FROM job_kinds WHERE kind = @kind", new { kind }));
        // New jobs of the kind are queued, not parked.
        await QueuedAsync(db, kind, 1);
        Assert.Equal([("queued", 5L)], await StatesAsync(kind));
        Assert.Equal("no_change", (await _audit.GetAsync(second.AuditSeq, CancellationToken.None))!.OutcomeCode);
    }

    [Fact]
    public async Task ResumeKind_RequeuesJobsPausedByTheRunbook_WhenKindWasNeverPaused()
    {
        var kind = Kind();
        await QueuedAsync(db, kind, 3);
        await db.PsqlAsync("UPDATE jobs SET state='paused' WHERE state='queued' AND kind=@kind", new { kind });

        var result = await CreateActions(db).ExecuteAsync(new ResumeKind(kind), Alice, "undo runbook pause", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, 3), (result.Outcome, result.RowsAffected));
        Assert.Equal([("queued", 3L)], await StatesAsync(kind));
    }

    [Fact]
    public async Task Execute_LeavesNeitherChangeNorEntry_WhenFailingBetweenChangeAndAudit()
    {
        // Arrange
        var kind = Kind();
        await QueuedAsync(db, kind, 3);
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10");
        var actions = CreateActions(db);
        actions.BeforeAuditForTesting = _ => throw new InvalidOperationException("crash between change and audit");
        var entriesBefore = await AuditCountAsync(db);
        var headBefore = await db.ScalarAsync<long>("SELECT last_seq FROM audit_chain_head");

        // Act
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            actions.ExecuteAsync(new PauseKind(kind), Alice, "pause", Key(), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            actions.ExecuteAsync(new ReleaseLease(jobId, "web-1:10", token), Alice, "release", Key(), CancellationToken.None));

        // Assert
        Assert.Equal([("processing", 1L), ("queued", 3L)], await StatesAsync(kind));
        Assert.Empty(await db.QueryAsync<string>("SELECT kind FROM job_kinds WHERE kind = @kind", new { kind }));
        Assert.Equal(token, await db.ScalarAsync<Guid>("SELECT lease_token FROM jobs WHERE id = @jobId", new { jobId }));
        Assert.Equal(entriesBefore, await AuditCountAsync(db));
        Assert.Equal(headBefore, await db.ScalarAsync<long>("SELECT last_seq FROM audit_chain_head"));
    }

    [Fact]
    public async Task ReleaseLease_RequeuesWithNewTokenAndFencesOldHolder_WhenLeaseIsAsSeen()
    {
        var kind = Kind();
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10", leasedAgo: TimeSpan.FromMinutes(20), heartbeatAgo: TimeSpan.FromMinutes(19));

        var result = await CreateActions(db).ExecuteAsync(new ReleaseLease(jobId, "web-1:10", token), Alice, "worker hung", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, 1), (result.Outcome, result.RowsAffected));
        var row = (await db.QueryAsync<(string State, string? LeasedBy, DateTime? LeasedAt, DateTime? HeartbeatAt, Guid Token)>(
            "SELECT state, leased_by, leased_at, heartbeat_at, lease_token FROM jobs WHERE id = @jobId", new { jobId })).Single();
        Assert.Equal(("queued", null, null, null), (row.State, row.LeasedBy, row.LeasedAt, row.HeartbeatAt));
        Assert.NotEqual(token, row.Token);
        // The old holder's late completion is fenced out by the new token (the worker contract's statement shape).
        Assert.Equal(0, await db.PsqlAsync("UPDATE jobs SET state='done' WHERE id=@jobId AND lease_token=@token", new { jobId, token }));
        var entry = (await _audit.GetAsync(result.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("release_lease", kind, jobId, "web-1:10"), (entry.Action, entry.TargetKind, entry.TargetJobId!.Value, entry.TargetWorker));
        using var before = JsonDocument.Parse(entry.Before!);
        using var after = JsonDocument.Parse(entry.After!);
        Assert.Equal(token, before.RootElement.GetProperty("lease_token").GetGuid());
        Assert.Equal("web-1:10", before.RootElement.GetProperty("leased_by").GetString());
        Assert.Equal(row.Token, after.RootElement.GetProperty("lease_token").GetGuid());
        Assert.Equal("queued", after.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task ReleaseLease_IsRefusedAndChangesNothing_WhenWorkerCompletedIt()
    {
        var kind = Kind();
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10");
        await db.PsqlAsync("UPDATE jobs SET state='done', finished_at=now() WHERE id=@jobId", new { jobId });

        var result = await CreateActions(db).ExecuteAsync(new ReleaseLease(jobId, "web-1:10", token), Alice, "stuck?", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Refused, 0), (result.Outcome, result.RowsAffected));
        Assert.Equal($"job {jobId} is already done", result.Message);
        Assert.Equal(("done", token), (await db.QueryAsync<(string, Guid)>(
            "SELECT state, lease_token FROM jobs WHERE id=@jobId", new { jobId })).Single());
        var entry = (await _audit.GetAsync(result.AuditSeq, CancellationToken.None))!;
        Assert.Equal("refused", entry.OutcomeCode);
        using var after = JsonDocument.Parse(entry.After!);
        Assert.Equal("done", after.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task ReleaseLease_IsRefusedAndSaysWhoHoldsIt_WhenNewHolderClaimedIt()
    {
        var kind = Kind();
        var (jobId, seenToken) = await ProcessingAsync(db, kind, "web-1:10");
        var newToken = Guid.NewGuid();
        await db.PsqlAsync("UPDATE jobs SET leased_by='web-2:88', leased_at=now(), lease_token=@newToken WHERE id=@jobId", new { jobId, newToken });

        var result = await CreateActions(db).ExecuteAsync(new ReleaseLease(jobId, "web-1:10", seenToken), Alice, "stuck?", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Refused, result.Outcome);
        Assert.StartsWith($"job {jobId} is now held by web-2:88", result.Message, StringComparison.Ordinal);
        Assert.Equal(("processing", "web-2:88", newToken), (await db.QueryAsync<(string, string, Guid)>(
            "SELECT state, leased_by, lease_token FROM jobs WHERE id=@jobId", new { jobId })).Single());
    }

    [Fact]
    public async Task ReleaseLease_IsRefused_WhenSameHolderClaimedAgainWithNewToken()
    {
        var kind = Kind();
        var (jobId, seenToken) = await ProcessingAsync(db, kind, "web-1:10");
        await db.PsqlAsync("UPDATE jobs SET lease_token=gen_random_uuid() WHERE id=@jobId", new { jobId });

        var result = await CreateActions(db).ExecuteAsync(new ReleaseLease(jobId, "web-1:10", seenToken), Alice, "stuck?", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Refused, result.Outcome);
        Assert.Contains("claimed again by web-1:10", result.Message, StringComparison.Ordinal);
        Assert.Equal("processing", await db.ScalarAsync<string>("SELECT state FROM jobs WHERE id=@jobId", new { jobId }));
    }

    [Fact]
    public async Task ReleaseLease_AppliesExactlyOnce_WhenTwoOperatorsReleaseAtOnce()
    {
        // Arrange: both transactions are open before either touches the row.
        var kind = Kind();
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10");
        var actions = CreateActions(db);
        actions.AfterBeginForTesting = Barrier(2);
        var action = new ReleaseLease(jobId, "web-1:10", token);

        // Act
        var results = await Task.WhenAll(
            Task.Run(() => actions.ExecuteAsync(action, Alice, "alice releases", Key(), CancellationToken.None)),
            Task.Run(() => actions.ExecuteAsync(action, Bob, "bob releases", Key(), CancellationToken.None)));

        // Assert
        Assert.Single(results, r => r.Outcome == ActionOutcome.Applied);
        var refused = Assert.Single(results, r => r.Outcome == ActionOutcome.Refused);
        Assert.Equal($"job {jobId} is already released (it is queued now)", refused.Message);
        Assert.Equal("queued", await db.ScalarAsync<string>("SELECT state FROM jobs WHERE id=@jobId", new { jobId }));
        var entries = await db.QueryAsync<string>(
            "SELECT split_part(outcome, ':', 1) FROM audit_log WHERE target_job_id = @jobId ORDER BY seq", new { jobId });
        Assert.Equal(["applied", "refused"], entries);
    }

    [Fact]
    public async Task ReleaseLease_ParksJob_WhenItsKindIsPaused()
    {
        var kind = Kind();
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10");
        await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, "pause", Key(), CancellationToken.None);

        var result = await CreateActions(db).ExecuteAsync(new ReleaseLease(jobId, "web-1:10", token), Alice, "release", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        Assert.Contains("paused because its kind is paused", result.Message, StringComparison.Ordinal);
        Assert.Equal("paused", await db.ScalarAsync<string>("SELECT state FROM jobs WHERE id=@jobId", new { jobId }));
    }

    [Fact]
    public async Task ReleaseStuckLeases_ReleasesOnlyLeasesPastTheirKindsTimeout()
    {
        var kind = Kind();
        var slow = Kind("slow");
        await db.PsqlAsync("INSERT INTO job_kinds (kind, lease_timeout) VALUES (@slow, interval '1 hour')", new { slow });
        var (stuck, _) = await ProcessingAsync(db, kind, "web-1:10", TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(6));
        var (fresh, _) = await ProcessingAsync(db, kind, "web-1:10", TimeSpan.FromMinutes(9), TimeSpan.FromSeconds(3));
        var (slowJob, _) = await ProcessingAsync(db, slow, "web-1:10", TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(6));

        var preview = await CreateActions(db).PreviewAsync(new ReleaseStuckLeases(Kind: kind), CancellationToken.None);
        var result = await CreateActions(db).ExecuteAsync(new ReleaseStuckLeases(Kind: kind), Alice, "web-1 froze", Key(), CancellationToken.None);
        var again = await CreateActions(db).ExecuteAsync(new ReleaseStuckLeases(Kind: slow), Alice, "slow too?", Key(), CancellationToken.None);

        Assert.Equal(1, preview.RowsAffected);
        Assert.Contains($"jobs {stuck}", preview.Summary, StringComparison.Ordinal);
        Assert.Equal((ActionOutcome.Applied, 1), (result.Outcome, result.RowsAffected));
        Assert.Equal(ActionOutcome.NoChange, again.Outcome);
        Assert.Equal(
            [(stuck, "queued"), (fresh, "processing"), (slowJob, "processing")],
            await db.QueryAsync<(long, string)>("SELECT id, state FROM jobs WHERE id = ANY(@ids) ORDER BY id", new { ids = new[] { stuck, fresh, slowJob } }));
    }

    [Fact]
    public async Task ReleaseStuckLeases_ReleasesEveryLeaseOfAGoneWorker_AndNoneOfALiveOne()
    {
        var kind = Kind();
        var dead = $"dead-{Guid.NewGuid():N}:1";
        var live = $"live-{Guid.NewGuid():N}:2";
        await db.PsqlAsync(
            "INSERT INTO workers (id, host, pid, heartbeat_at) VALUES (@dead, 'dead', 1, now() - interval '10 minutes'), (@live, 'live', 2, now())",
            new { dead, live });
        var (a, _) = await ProcessingAsync(db, kind, dead, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(50));
        var (b, _) = await ProcessingAsync(db, kind, dead, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(40));
        var (c, _) = await ProcessingAsync(db, kind, live, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

        var released = await CreateActions(db).ExecuteAsync(new ReleaseStuckLeases(WorkerId: dead), Alice, "host died", Key(), CancellationToken.None);
        var kept = await CreateActions(db).ExecuteAsync(new ReleaseStuckLeases(WorkerId: live), Alice, "just checking", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, 2), (released.Outcome, released.RowsAffected));
        Assert.Equal(ActionOutcome.NoChange, kept.Outcome);
        Assert.StartsWith($"worker {live} is alive", kept.Message, StringComparison.Ordinal);
        Assert.Equal(
            [(a, "queued"), (b, "queued"), (c, "processing")],
            await db.QueryAsync<(long, string)>("SELECT id, state FROM jobs WHERE id = ANY(@ids) ORDER BY id", new { ids = new[] { a, b, c } }));
        var entry = (await new AuditQueries(db.Db).GetAsync(released.AuditSeq, CancellationToken.None))!;
        Assert.Equal(dead, entry.TargetWorker);
        using var before = JsonDocument.Parse(entry.Before!);
        Assert.Equal([a, b], before.RootElement.GetProperty("leases").EnumerateArray().Select(l => l.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task Execute_IsDeniedRecordedAndChangesNothing_WhenActorLacksPermission()
    {
        var kind = Kind();
        await QueuedAsync(db, kind, 2);
        var stranger = new Actor("mallory", "oidc", null, "no-such-role");

        var denied = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Victor, "I want to", Key(), CancellationToken.None);
        var unknownRole = await CreateActions(db).ExecuteAsync(new DrainAllWorkers(), stranger, "me too", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Denied, 0), (denied.Outcome, denied.RowsAffected));
        Assert.Equal("victor (role viewer) lacks the permission kinds.pause", denied.Message);
        Assert.Equal(ActionOutcome.Denied, unknownRole.Outcome);
        Assert.Equal([("queued", 2L)], await StatesAsync(kind));
        Assert.Empty(await db.QueryAsync<string>("SELECT kind FROM job_kinds WHERE kind = @kind", new { kind }));
        Assert.True(await db.ScalarAsync<bool>("SELECT accepting FROM queue_control"));
        var entry = (await _audit.GetAsync(denied.AuditSeq, CancellationToken.None))!;
        Assert.Equal(("victor", "pause_kind", kind, "I want to", "denied", 0), (entry.Actor, entry.Action, entry.TargetKind, entry.Reason, entry.OutcomeCode, entry.RowsAffected));
        Assert.Null(entry.Before);
        Assert.Null(entry.After);
    }

    [Fact]
    public async Task Execute_AppliesOnceAndReturnsFirstResult_WhenIdempotencyKeyRepeats()
    {
        var kind = Kind();
        var (jobId, token) = await ProcessingAsync(db, kind, "web-1:10");
        var key = Key();
        var action = new ReleaseLease(jobId, "web-1:10", token);

        var first = await CreateActions(db).ExecuteAsync(action, Alice, "release", key, CancellationToken.None);
        var tokenAfterFirst = await db.ScalarAsync<Guid>("SELECT lease_token FROM jobs WHERE id=@jobId", new { jobId });
        var retry = await CreateActions(db).ExecuteAsync(action, Alice, "release", key, CancellationToken.None);

        Assert.Equal(first with { Replayed = true }, retry);
        Assert.Equal(ActionOutcome.Applied, retry.Outcome);
        Assert.Equal(tokenAfterFirst, await db.ScalarAsync<Guid>("SELECT lease_token FROM jobs WHERE id=@jobId", new { jobId }));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE idempotency_key = @key", new { key }));
    }

    [Fact]
    public async Task Execute_AppliesOnce_WhenSameKeyArrivesTwiceAtOnce()
    {
        var kind = Kind();
        await QueuedAsync(db, kind, 3);
        var actions = CreateActions(db);
        actions.AfterBeginForTesting = Barrier(2);
        var key = Key();

        var results = await Task.WhenAll(
            Task.Run(() => actions.ExecuteAsync(new PauseKind(kind), Alice, "double click", key, CancellationToken.None)),
            Task.Run(() => actions.ExecuteAsync(new PauseKind(kind), Alice, "double click", key, CancellationToken.None)));

        Assert.All(results, r => Assert.Equal((ActionOutcome.Applied, 4), (r.Outcome, r.RowsAffected)));
        Assert.Single(results, r => r.Replayed);
        Assert.Equal(results[0].AuditSeq, results[1].AuditSeq);
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE idempotency_key = @key", new { key }));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE target_kind = @kind AND outcome LIKE 'no_change%'", new { kind }));
    }

    [Fact]
    public async Task Execute_Throws_WhenIdempotencyKeyWasUsedForAnotherAction()
    {
        var key = Key();
        await CreateActions(db).ExecuteAsync(new PauseKind(Kind()), Alice, "one", key, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(Kind()), Alice, "another", key, CancellationToken.None));

        Assert.Contains("already used for a different action", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u0001\u0007\u001b")]
    [InlineData(null)]
    public async Task Execute_RejectsAndRecordsNothing_WhenReasonIsEmpty(string? reason)
    {
        var kind = Kind();
        var entries = await AuditCountAsync(db);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, reason!, Key(), CancellationToken.None));

        Assert.Equal("reason", ex.ParamName);
        Assert.Equal(entries, await AuditCountAsync(db));
        Assert.Empty(await db.QueryAsync<string>("SELECT kind FROM job_kinds WHERE kind = @kind", new { kind }));
    }

    [Fact]
    public async Task Execute_RejectsReason_WhenLongerThanTheLimit()
    {
        var kind = Kind();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, new string('x', OperatorActions.MaxReasonLength + 1), Key(), CancellationToken.None));
        var ok = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, new string('x', OperatorActions.MaxReasonLength), Key(), CancellationToken.None);

        Assert.Contains("at most 500", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ActionOutcome.Applied, ok.Outcome);
    }

    [Fact]
    public void NormalizeReason_StripsControlAndBidiCharacters_AndTrims()
    {
        Assert.Equal("fix it  now ok", OperatorActions.NormalizeReason("  fix\u0007 it\r\nnow\u202E ok\u0000 "));
        Assert.Equal("emoji 🚀 kept", OperatorActions.NormalizeReason("emoji 🚀 kept"));
        Assert.Equal("lone", OperatorActions.NormalizeReason("lone\ud800"));
    }

    [Fact]
    public async Task Execute_Rejects_WhenIdempotencyKeyIsMissing_OrExpiryIsPast()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(Kind()), Alice, "reason", " ", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(Kind(), DateTimeOffset.UtcNow.AddMinutes(-1)), Alice, "reason", Key(), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new ReleaseStuckLeases(), Alice, "reason", Key(), CancellationToken.None));
    }

    [Theory]
    [InlineData("'; DROP TABLE jobs; --")]
    [InlineData("O'Brien \"quoted\" \\ backslash")]
    [InlineData("<script>alert('x')</script><b>bold</b>")]
    [InlineData("tab\tnew\nline\u0007bell")]
    [InlineData("%_ like $1 @Kind {0}")]
    public async Task HostileStrings_AreStoredAsDataNeverAsSql(string hostile)
    {
        // Arrange
        var kind = hostile + Guid.NewGuid().ToString("N")[..6];
        await QueuedAsync(db, kind, 2);
        var worker = hostile + ":1";
        await db.PsqlAsync("INSERT INTO workers (id, host, pid) VALUES (@worker, 'h', 1)", new { worker });
        var reason = hostile + " " + new string('r', 400);

        // Act
        var preview = await CreateActions(db).PreviewAsync(new PauseKind(kind), CancellationToken.None);
        var paused = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, reason, Key(), CancellationToken.None);
        var drained = await CreateActions(db).ExecuteAsync(new DrainWorker(worker), Alice, reason, Key(), CancellationToken.None);

        // Assert
        Assert.Equal((ActionOutcome.Applied, ActionOutcome.Applied), (paused.Outcome, drained.Outcome));
        Assert.Contains("kind = " + SqlStatement.Literal(kind), preview.SqlFor(Alice, reason), StringComparison.Ordinal);
        Assert.Equal([("paused", 2L)], await StatesAsync(kind));
        Assert.Equal(kind, await db.ScalarAsync<string>("SELECT kind FROM job_kinds WHERE kind = @kind", new { kind }));
        Assert.True(await db.ScalarAsync<bool>("SELECT drain_requested FROM workers WHERE id = @worker", new { worker }));
        var entry = (await _audit.GetAsync(paused.AuditSeq, CancellationToken.None))!;
        Assert.Equal(OperatorActions.NormalizeReason(reason), entry.Reason);
        Assert.Equal(kind, entry.TargetKind);
        using var after = JsonDocument.Parse(entry.After!);
        Assert.Equal(kind, after.RootElement.GetProperty("job_kind").GetProperty("kind").GetString());
        Assert.Equal(worker, (await _audit.GetAsync(drained.AuditSeq, CancellationToken.None))!.TargetWorker);
        Assert.True(await db.ScalarAsync<bool>("SELECT to_regclass('jobs') IS NOT NULL"));
    }

    [Fact]
    public async Task HostileKind_OfMaximumLength_IsStoredAsData()
    {
        var kind = ("'; DROP TABLE jobs; -- " + Guid.NewGuid().ToString("N")).PadRight(OperatorAction.MaxNameLength, '\'');

        var result = await CreateActions(db).ExecuteAsync(new PauseKind(kind), Alice, "long kind", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.Applied, result.Outcome);
        Assert.Equal(kind, await db.ScalarAsync<string>("SELECT kind FROM job_kinds WHERE kind = @kind", new { kind }));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateActions(db).ExecuteAsync(new PauseKind(kind + "x"), Alice, "too long", Key(), CancellationToken.None));
    }

    [Fact]
    public async Task Preview_DescribesChangeAndSql_WithoutChangingAnything()
    {
        var kind = Kind("search.reindex");
        await QueuedAsync(db, kind, 1204);
        var entries = await AuditCountAsync(db);

        var preview = await CreateActions(db).PreviewAsync(new PauseKind(kind), CancellationToken.None);

        Assert.Equal($"pauses kind `{kind}` and parks its 1,204 jobs queued as paused", preview.Summary);
        Assert.Equal(1205, preview.RowsAffected);
        Assert.Contains($"UPDATE jobs SET state = 'paused', updated_at = now()\nWHERE state = 'queued' AND kind = '{kind}';", preview.SqlFor(Alice, "reindex"), StringComparison.Ordinal);
        Assert.Equal([("queued", 1204L)], await StatesAsync(kind));
        Assert.Equal(entries, await AuditCountAsync(db));
    }

    [Fact]
    public async Task Preview_SaysNoChange_WhenLeaseMovedOn()
    {
        var (jobId, token) = await ProcessingAsync(db, Kind(), "web-1:10");
        await db.PsqlAsync("UPDATE jobs SET leased_by='web-2:88' WHERE id=@jobId", new { jobId });

        var preview = await CreateActions(db).PreviewAsync(new ReleaseLease(jobId, "web-1:10", token), CancellationToken.None);

        Assert.False(preview.WouldChange);
        Assert.StartsWith($"no change: job {jobId} is now held by web-2:88", preview.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainWorker_SetsFlag_ResumeWorkerClearsIt_AndRepeatsAreNoChange()
    {
        var worker = $"w-{Guid.NewGuid():N}:7";
        await db.PsqlAsync("INSERT INTO workers (id, host, pid, current_jobs) VALUES (@worker, 'w', 7, 3)", new { worker });

        var drain = await CreateActions(db).ExecuteAsync(new DrainWorker(worker), Alice, "host maintenance", Key(), CancellationToken.None);
        var drainAgain = await CreateActions(db).ExecuteAsync(new DrainWorker(worker), Alice, "again", Key(), CancellationToken.None);
        var draining = await db.ScalarAsync<bool>("SELECT drain_requested FROM workers WHERE id=@worker", new { worker });
        var resume = await CreateActions(db).ExecuteAsync(new ResumeWorker(worker), Alice, "done", Key(), CancellationToken.None);
        var resumeAgain = await CreateActions(db).ExecuteAsync(new ResumeWorker(worker), Alice, "again", Key(), CancellationToken.None);
        var unknown = await CreateActions(db).ExecuteAsync(new DrainWorker("nobody:0"), Alice, "typo", Key(), CancellationToken.None);

        Assert.Equal(
            [ActionOutcome.Applied, ActionOutcome.NoChange, ActionOutcome.Applied, ActionOutcome.NoChange, ActionOutcome.Refused],
            new[] { drain, drainAgain, resume, resumeAgain, unknown }.Select(r => r.Outcome));
        Assert.True(draining);
        Assert.False(await db.ScalarAsync<bool>("SELECT drain_requested FROM workers WHERE id=@worker", new { worker }));
        Assert.Equal("worker nobody:0 is not registered", unknown.Message);
        Assert.Contains("3 jobs in flight", drain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAllAndResumeAll_SetIntake_AndResumeAllClearsEveryDrainFlag()
    {
        var w1 = $"a-{Guid.NewGuid():N}:1";
        var w2 = $"b-{Guid.NewGuid():N}:2";
        // Other tests of the class leave workers behind; this one owns the flags while it runs.
        await db.PsqlAsync("UPDATE workers SET drain_requested = false; UPDATE queue_control SET accepting = true");
        await db.PsqlAsync("INSERT INTO workers (id, host, pid, drain_requested) VALUES (@w1, 'a', 1, true), (@w2, 'b', 2, true)", new { w1, w2 });

        var drain = await CreateActions(db).ExecuteAsync(new DrainAllWorkers(), Alice, "incident", Key(), CancellationToken.None);
        var accepting = await db.ScalarAsync<bool>("SELECT accepting FROM queue_control");
        var resumeIntake = await CreateActions(db).ExecuteAsync(new ResumeIntake(), Alice, "intake only", Key(), CancellationToken.None);
        var drainsAfterResumeIntake = await db.ScalarAsync<long>("SELECT count(*) FROM workers WHERE drain_requested AND id IN (@w1, @w2)", new { w1, w2 });
        var resumeAll = await CreateActions(db).ExecuteAsync(new ResumeAllWorkers(), Alice, "all clear", Key(), CancellationToken.None);
        var resumeAllAgain = await CreateActions(db).ExecuteAsync(new ResumeAllWorkers(), Alice, "all clear again", Key(), CancellationToken.None);

        Assert.Equal((ActionOutcome.Applied, false), (drain.Outcome, accepting));
        Assert.Equal((ActionOutcome.Applied, 2L), (resumeIntake.Outcome, drainsAfterResumeIntake));
        Assert.Equal(ActionOutcome.Applied, resumeAll.Outcome);
        Assert.Contains("cleared the drain flag of 2 workers", resumeAll.Message, StringComparison.Ordinal);
        Assert.Equal(ActionOutcome.NoChange, resumeAllAgain.Outcome);
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM workers WHERE drain_requested"));
        // Resume-all found intake accepting already, so the flag row still says who resumed it and why.
        Assert.Equal([("alice", "intake only")], await db.QueryAsync<(string, string)>("SELECT changed_by, reason FROM queue_control"));
    }

    [Fact]
    public async Task ExpirePauses_ResumesOnlyExpiredPauses_AsSystem_OncePerPause()
    {
        // Arrange
        var expired = Kind("expired");
        var later = Kind("later");
        var forever = Kind("forever");
        await QueuedAsync(db, expired, 3);
        var actions = CreateActions(db);
        await actions.ExecuteAsync(new PauseKind(expired, DateTimeOffset.UtcNow.AddMinutes(5)), Alice, "short pause", Key(), CancellationToken.None);
        await actions.ExecuteAsync(new PauseKind(later, DateTimeOffset.UtcNow.AddHours(1)), Alice, "long pause", Key(), CancellationToken.None);
        await actions.ExecuteAsync(new PauseKind(forever), Alice, "open-ended", Key(), CancellationToken.None);
        // Time passes for one of them.
        await db.PsqlAsync("UPDATE job_kinds SET pause_expires_at = now() - interval '1 second' WHERE kind = @expired", new { expired });

        // Act: two app instances sweep at once, then again later.
        var sweeps = await Task.WhenAll(Task.Run(() => actions.ExpirePausesAsync(CancellationToken.None)), Task.Run(() => actions.ExpirePausesAsync(CancellationToken.None)));
        var nextSweep = await actions.ExpirePausesAsync(CancellationToken.None);

        // Assert
        Assert.Contains(sweeps.SelectMany(s => s), r => r.Outcome == ActionOutcome.Applied && !r.Replayed);
        Assert.Empty(nextSweep);
        Assert.Equal([("queued", 3L)], await StatesAsync(expired));
        Assert.Equal(
            [(expired, false), (forever, true), (later, true)],
            (await db.QueryAsync<(string, bool)>("SELECT kind, paused FROM job_kinds WHERE kind IN (@expired, @later, @forever)", new { expired, later, forever }))
                .OrderBy(k => k.Item1, StringComparer.Ordinal));
        var entries = await db.QueryAsync<(string Actor, string AuthMethod, string Reason)>(
            "SELECT actor, auth_method, reason FROM audit_log WHERE action = 'resume_kind' AND target_kind = @expired", new { expired });
        var entry = Assert.Single(entries);
        Assert.Equal(("system", "system"), (entry.Actor, entry.AuthMethod));
        Assert.StartsWith("pause expired at ", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiryGuard_DoesNotLiftAPauseThatHasNotExpired()
    {
        var kind = Kind();
        await CreateActions(db).ExecuteAsync(new PauseKind(kind, DateTimeOffset.UtcNow.AddHours(1)), Alice, "pause", Key(), CancellationToken.None);

        var result = await CreateActions(db).ExecuteAsync(new ResumeKind(kind) { OnlyIfExpired = true }, OperatorActions.SystemActor, "sweep", Key(), CancellationToken.None);

        Assert.Equal(ActionOutcome.NoChange, result.Outcome);
        Assert.True(await db.ScalarAsync<bool>("SELECT paused FROM job_kinds WHERE kind = @kind", new { kind }));
    }

    private async Task<IReadOnlyList<(string State, long Count)>> StatesAsync(string kind) =>
        await db.QueryAsync<(string, long)>("SELECT state, count(*) FROM jobs WHERE kind = @kind GROUP BY state ORDER BY state", new { kind });
}
