using Dapper;
using Dashboard.Core.Database;
using Dashboard.Core.Rules;

namespace Dashboard.Core.Claims;

/// <summary>
/// The worker contract (docs/worker-contract.md) as SQL: claim, heartbeat, checkpoint, complete, fail,
/// release and reclaim. Every call is one autocommit statement; no transaction stays open while a handler runs.
/// Heartbeat, checkpoint, complete, fail and release are fenced on (job id, lease token, state = 'processing'):
/// when the lease has moved on they change nothing and say so in their result; they never throw for that case.
/// Nothing here notifies or writes anything beyond the job's own row: NOTIFY on this path serializes commits.
/// </summary>
public sealed class JobClaims(Db db)
{
    private const int MaxErrorLength = 4000;

    // One statement: pick the oldest due jobs, lock them skipping rows other workers hold, and lease them.
    private const string ClaimSql = $"""
        WITH ready AS (
            SELECT j.id, {LeaseRules.LeaseTimeout} AS lease_timeout
            FROM jobs j
            LEFT JOIN job_kinds k ON k.kind = j.kind
            WHERE j.state = 'queued'
              AND j.run_at <= now()
              AND j.kind = ANY(@Kinds)
              -- A paused kind is skipped even where its jobs still say 'queued' (paused by the flag alone).
              AND k.paused IS NOT TRUE
              -- Intake paused or this worker draining: claim nothing. Both are read from this statement's
              -- snapshot, so a pause or drain committed before the statement started is always seen.
              AND coalesce((SELECT q.accepting FROM queue_control q WHERE q.id), true)
              AND NOT coalesce((SELECT w.drain_requested FROM workers w WHERE w.id = @WorkerId), false)
            ORDER BY j.run_at, j.id
            LIMIT @BatchSize
            FOR UPDATE OF j SKIP LOCKED
        )
        UPDATE jobs j
        SET state = 'processing',
            leased_by = @WorkerId,
            leased_at = now(),
            heartbeat_at = now(),
            lease_token = gen_random_uuid(),
            attempts = j.attempts + 1,
            updated_at = now()
        FROM ready r
        WHERE j.id = r.id
        RETURNING j.id AS Id, j.kind AS Kind, j.payload::text AS Payload, j.attempts AS Attempts,
                  j.max_attempts AS MaxAttempts, j.checkpoint::text AS Checkpoint, j.lease_token AS LeaseToken,
                  j.leased_at AS LeasedAt, j.run_at AS RunAt,
                  r.lease_timeout AS LeaseTimeout
        """;

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> due jobs of <paramref name="kinds"/> for <paramref name="workerId"/>,
    /// oldest <c>run_at</c> first. Returns none while intake is paused or the worker's drain is requested, and never
    /// a job of a paused kind. Each claimed job gets a new lease token and one more attempt.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(
        string workerId, IReadOnlyCollection<string> kinds, int batchSize, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<ClaimRow>(new CommandDefinition(
            ClaimSql,
            new { WorkerId = workerId, Kinds = kinds.ToArray(), BatchSize = batchSize },
            cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel()).OrderBy(j => j.RunAt).ThenBy(j => j.Id)];
    }

    // One round trip for every lease the worker holds; returns the ones still held.
    private const string HeartbeatSql = """
        UPDATE jobs j
        SET heartbeat_at = now()
        FROM unnest(@Ids::bigint[], @Tokens::uuid[]) AS h(id, token)
        WHERE j.id = h.id AND j.lease_token = h.token AND j.state = 'processing'
        RETURNING j.id AS JobId, j.lease_token AS Token
        """;

    /// <summary>
    /// Extends the given leases (sets <c>heartbeat_at</c>). Returns the leases that moved on (released, reclaimed or
    /// finished elsewhere); their holders should stop working on them. Never throws for that case.
    /// </summary>
    public async Task<IReadOnlyList<Lease>> HeartbeatAsync(IReadOnlyCollection<Lease> leases, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (leases.Count == 0)
        {
            return [];
        }

        await using var conn = await db.OpenAsync(ct);
        var held = (await conn.QueryAsync<Lease>(new CommandDefinition(
            HeartbeatSql,
            new { Ids = leases.Select(l => l.JobId).ToArray(), Tokens = leases.Select(l => l.Token).ToArray() },
            cancellationToken: ct))).ToHashSet();
        return [.. leases.Where(l => !held.Contains(l))];
    }

    // A checkpoint is also proof of life, so it extends the lease too. Progress, when given, is stored beside it;
    // the attempt's first report also records what it started from (progress_base), for its own rate.
    private const string CheckpointSql = """
        UPDATE jobs
        SET checkpoint = @Checkpoint::jsonb,
            heartbeat_at = now(),
            progress_base = CASE WHEN @Progress::real IS NULL THEN progress_base
                                 WHEN progress_at IS NULL OR progress_at < leased_at THEN coalesce(progress, 0)
                                 ELSE progress_base END,
            progress = coalesce(@Progress::real, progress),
            progress_at = CASE WHEN @Progress::real IS NULL THEN progress_at ELSE now() END
        WHERE id = @Id AND lease_token = @Token AND state = 'processing'
        """;

    /// <summary>
    /// Stores <paramref name="checkpointJson"/> (JSON text) as the job's checkpoint and extends the lease. A later
    /// attempt (after a release, failure or reclaim) receives it in <see cref="ClaimedJob.Checkpoint"/>.
    /// </summary>
    public Task<LeaseResult> CheckpointAsync(Lease lease, string checkpointJson, CancellationToken ct) =>
        CheckpointAsync(lease, checkpointJson, null, ct);

    /// <summary>
    /// Stores a checkpoint with the job's progress (a fraction, 0..1; null keeps the last one). The console shows the
    /// progress and estimates the job's remaining time from the attempt's rate; a released job resumes at it.
    /// </summary>
    public Task<LeaseResult> CheckpointAsync(Lease lease, string checkpointJson, double? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(checkpointJson);
        if (progress is { } p && !(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(progress), progress, "Progress is a fraction from 0 to 1.");
        }

        return FencedAsync(CheckpointSql, new { Id = lease.JobId, lease.Token, Checkpoint = checkpointJson, Progress = (float?)progress }, ct);
    }

    // Keeps leased_by and leased_at: a finished row still says who ran it.
    private const string CompleteSql = """
        UPDATE jobs
        SET state = 'done', finished_at = now(), updated_at = now()
        WHERE id = @Id AND lease_token = @Token AND state = 'processing'
        """;

    /// <summary>Marks the job done. <see cref="LeaseResult.LeaseMovedOn"/> means the completion was refused.</summary>
    public Task<LeaseResult> CompleteAsync(Lease lease, CancellationToken ct) =>
        FencedAsync(CompleteSql, new { Id = lease.JobId, lease.Token }, ct);

    // Requeues with exponential backoff, or fails for good once the attempts are used up. A requeued job of a
    // paused kind is parked as 'paused' by the jobs_park_paused_kind trigger.
    private const string FailSql = """
        UPDATE jobs
        SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
            run_at = CASE WHEN attempts >= max_attempts THEN run_at
                          ELSE now() + least(@MaxDelay, @BaseDelay * power(2, least(greatest(attempts - 1, 0), 30))) END,
            finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
            last_error = @Error,
            -- The last 10 failed attempts (time, attempt, worker, error), oldest first.
            error_history = (
                SELECT jsonb_agg(h.entry ORDER BY h.n)
                FROM (SELECT a.entry, a.n
                      FROM jsonb_array_elements(coalesce(error_history, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
                               'at', now(), 'attempt', attempts, 'worker', leased_by, 'error', @Error)))
                           WITH ORDINALITY AS a(entry, n)
                      ORDER BY a.n DESC
                      LIMIT 10) h),
            -- A final failure keeps who ran it; a retry frees the job for any worker.
            leased_by = CASE WHEN attempts >= max_attempts THEN leased_by END,
            leased_at = CASE WHEN attempts >= max_attempts THEN leased_at END,
            heartbeat_at = NULL,
            lease_token = NULL,
            updated_at = now()
        WHERE id = @Id AND lease_token = @Token AND state = 'processing'
        RETURNING state AS State, run_at AS RunAt
        """;

    /// <summary>
    /// Records a failed attempt: back to <c>queued</c> with <c>run_at</c> = now + backoff and <c>last_error</c>, or
    /// <c>failed</c> when <c>attempts &gt;= max_attempts</c>. The checkpoint is kept for the retry.
    /// </summary>
    public async Task<FailResult> FailAsync(Lease lease, string error, RetryBackoff backoff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(backoff);
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<FailRow>(new CommandDefinition(
            FailSql,
            new
            {
                Id = lease.JobId,
                lease.Token,
                Error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error,
                backoff.BaseDelay,
                backoff.MaxDelay,
            },
            cancellationToken: ct));
        return row is null ? FailResult.LeaseMovedOn : new FailResult(LeaseResult.Applied, row.State, row.RunAt);
    }

    // Gives the attempt back: the job did not fail, its holder let go of it (shutdown). The checkpoint stays.
    private const string ReleaseSql = """
        UPDATE jobs
        SET state = 'queued',
            attempts = greatest(attempts - 1, 0),
            leased_by = NULL,
            leased_at = NULL,
            heartbeat_at = NULL,
            lease_token = NULL,
            updated_at = now()
        WHERE id = @Id AND lease_token = @Token AND state = 'processing'
        """;

    /// <summary>
    /// Requeues a held job at once, keeping its checkpoint and <c>run_at</c> (so it is first in line again) and
    /// returning the attempt. Used when a worker stops before the job finished.
    /// </summary>
    public Task<LeaseResult> ReleaseAsync(Lease lease, CancellationToken ct) =>
        FencedAsync(ReleaseSql, new { Id = lease.JobId, lease.Token }, ct);

    // Expired is the console's "stuck" (LeaseRules.IsStuck): no heartbeat (or claim, for a holder that never
    // heartbeat) within the lease timeout. The token is cleared, so the old holder's late calls are refused even if
    // it is still alive.
    private const string ReclaimExpiredSql = $"""
        WITH expired AS (
            SELECT j.id, j.leased_by
            FROM jobs j
            LEFT JOIN job_kinds k ON k.kind = j.kind
            WHERE j.state = 'processing'
              AND {LeaseRules.IsStuck}
            ORDER BY j.id
            LIMIT @Limit
            FOR UPDATE OF j SKIP LOCKED
        )
        UPDATE jobs j
        SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
            finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
            last_error = 'lease expired: ' || coalesce(e.leased_by, 'no holder') || ' sent no heartbeat within the lease timeout',
            error_history = (
                SELECT jsonb_agg(h.entry ORDER BY h.n)
                FROM (SELECT a.entry, a.n
                      FROM jsonb_array_elements(coalesce(j.error_history, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
                               'at', now(), 'attempt', j.attempts, 'worker', e.leased_by,
                               'error', 'lease expired: ' || coalesce(e.leased_by, 'no holder') || ' sent no heartbeat within the lease timeout')))
                           WITH ORDINALITY AS a(entry, n)
                      ORDER BY a.n DESC
                      LIMIT 10) h),
            leased_by = NULL,
            leased_at = NULL,
            heartbeat_at = NULL,
            lease_token = NULL,
            updated_at = now()
        FROM expired e
        WHERE j.id = e.id
        RETURNING j.id AS Id, j.kind AS Kind, e.leased_by AS PreviousHolder, j.state AS State
        """;

    /// <summary>
    /// Takes back up to <paramref name="limit"/> leases that expired (per kind's <c>lease_timeout</c>, else the
    /// queue's <c>queue_control.default_lease_timeout</c>): requeued, or failed when their attempts are used up, with
    /// the lease token cleared so the old holder is fenced out. Safe to run from every worker at once.
    /// </summary>
    public async Task<IReadOnlyList<ReclaimedJob>> ReclaimExpiredAsync(int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<ReclaimedJob>(new CommandDefinition(
            ReclaimExpiredSql, new { Limit = limit }, cancellationToken: ct));
        return [.. rows.OrderBy(r => r.Id)];
    }

    private async Task<LeaseResult> FencedAsync(string sql, object parameters, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
        return rows == 1 ? LeaseResult.Applied : LeaseResult.LeaseMovedOn;
    }

    private sealed class FailRow
    {
        public string State { get; init; } = "";

        public DateTime RunAt { get; init; }
    }
}
