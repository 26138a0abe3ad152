using Dashboard.Core.Bulk;
using Dashboard.Core.Jobs;

namespace Dashboard.Core.Actions;

/// <summary>
/// Starts a bulk retry, discard or run-now of every job matching <paramref name="Filter"/> (and the action's own rule),
/// among the jobs that exist when it starts. The preview gives the exact number and a sample; the execution records
/// the operation and its one intent audit entry; the console then works through it in the background in short chunks
/// (<see cref="BulkOperationRunner"/>), each its own transaction, with progress entries in the audit log.
/// </summary>
public sealed record StartBulkOperation(JobTransitions.Kind Transition, JobFilter Filter, long? PreviewedCount = null) : OperatorAction
{
    /// <summary>How many job ids the preview shows.</summary>
    public const int SampleSize = 10;

    public override string Name => "bulk_" + BulkChunks.ActionName(Transition);

    public override string Permission => JobTransitions.Permission(Transition);

    internal override string? TargetKind => Filter.Kind;

    internal override void Validate()
    {
        ArgumentNullException.ThrowIfNull(Filter);
        Filter.Validate();
    }

    private (string Where, Dictionary<string, object?> Values) Matching()
    {
        var (where, values) = JobQueries.Where(Filter);
        return ($"{where}\n  AND {JobTransitions.Guard(Transition)}", values);
    }

    private SqlStatement Count()
    {
        var (where, values) = Matching();
        return SqlStatement.OfValues(
            $"SELECT count(*) FROM jobs j\nWHERE {where}\n  AND j.id <= (SELECT coalesce(max(id), 0) FROM jobs)", values);
    }

    private SqlStatement Sample()
    {
        var (where, values) = Matching();
        values["SampleSize"] = SampleSize;
        return SqlStatement.OfValues($"SELECT j.id FROM jobs j\nWHERE {where}\nORDER BY j.id DESC\nLIMIT @SampleSize", values);
    }

    // The count and the id bound are taken in the same statement: the operation covers exactly the jobs counted
    // (those that still match when their chunk runs) and never jobs created after it started.
    private SqlStatement Insert()
    {
        var (where, values) = Matching();
        values["Action"] = BulkChunks.ActionName(Transition);
        values["Filter"] = Filter.ToJson();
        values["FilterText"] = Filter.Describe();
        values["Actor"] = SqlStatement.ActorName;
        values["Reason"] = SqlStatement.Reason;
        return SqlStatement.OfValues(
            $"""
            WITH top AS (SELECT coalesce(max(id), 0) AS upper_id FROM jobs)
            INSERT INTO bulk_operations (action, filter, filter_text, expected, upper_id, actor, reason)
            SELECT @Action, @Filter::jsonb, @FilterText,
                   (SELECT count(*) FROM jobs j
                    WHERE {where}
                      AND j.id <= top.upper_id),
                   top.upper_id, @Actor, @Reason
            FROM top
            RETURNING id AS Id, expected AS Expected, upper_id AS UpperId
            """,
            values);
    }

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var count = await reader.SingleAsync<long>(Count());
        var sample = await reader.ListAsync<long>(Sample());
        var verb = JobTransitions.Verb(Transition);
        var summary = count == 0
            ? $"no change: no job matching {Filter.Describe()} can {verb}"
            : $"{verb}: {ActionText.Jobs(count)} matching {Filter.Describe()}, in the background in chunks of "
              + $"{ActionText.Count(BulkChunks.DefaultChunkSize)}; e.g. jobs {string.Join(", ", sample)}";
        return new ActionPreview(this, summary, count, [Insert()]) { TargetKind = Filter.Kind };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var started = await c.SingleAsync<Started>(Insert());
        var verb = JobTransitions.Verb(Transition);
        var previewed = PreviewedCount is { } p && p != started.Expected ? $" (the preview said {ActionText.Count(p)})" : "";
        var message = $"bulk operation {started.Id}: {verb} {ActionText.Jobs(started.Expected)} matching {Filter.Describe()}{previewed}; "
            + "runs in the background";
        var before = new { Filter = Filter.Describe(), FilterJson = Filter.ToJson(), Matching = started.Expected, PreviewedCount };
        var after = new { OperationId = started.Id, started.Expected, UpToJobId = started.UpperId };
        return new Change(started.Expected == 0 ? ActionOutcome.NoChange : ActionOutcome.Applied, message, 1, before, after, Filter.Kind);
    }

    private sealed class Started
    {
        public long Id { get; init; }
        public long Expected { get; init; }
        public long UpperId { get; init; }
    }
}

/// <summary>Asks a running bulk operation to stop before its next chunk. Chunks already applied stay applied.</summary>
public sealed record CancelBulkOperation(long OperationId, JobTransitions.Kind Transition) : OperatorAction
{
    public override string Name => "cancel_bulk_operation";

    public override string Permission => JobTransitions.Permission(Transition);

    private const string GetSql = $"SELECT {BulkOperationQueries.Columns} FROM bulk_operations WHERE id = @OperationId";

    private const string CancelSql = $"""
        UPDATE bulk_operations
        SET cancel_requested = true, cancelled_by = @Actor, updated_at = now()
        WHERE id = @OperationId AND action = @Action AND state = 'running' AND NOT cancel_requested
        RETURNING {BulkOperationQueries.Columns}
        """;

    private SqlStatement Get() => SqlStatement.Of(GetSql + "\nFOR UPDATE", new { OperationId });

    private SqlStatement Cancel() => SqlStatement.Of(
        CancelSql, new { OperationId, Action = BulkChunks.ActionName(Transition), Actor = SqlStatement.ActorName });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var op = (await reader.SingleOrDefaultAsync<BulkOperationQueries.Row>(SqlStatement.Of(GetSql, new { OperationId })))?.ToModel();
        var applies = op is { IsRunning: true, CancelRequested: false } && op.Action == BulkChunks.ActionName(Transition);
        var summary = applies
            ? $"stops bulk operation {OperationId} ({op!.Action} of {op.FilterText}) before its next chunk; {ActionText.Count(op.Changed)} of {ActionText.Jobs(op.Expected)} are done and stay done"
            : $"no change: {Why(op)}";
        return new ActionPreview(this, summary, applies ? 1 : 0, [Get(), Cancel()])
        {
            Outcome = applies ? ActionOutcome.Applied : op?.CancelRequested == true ? ActionOutcome.NoChange : ActionOutcome.Refused,
        };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = (await c.SingleOrDefaultAsync<BulkOperationQueries.Row>(Get()))?.ToModel();
        var after = (await c.SingleOrDefaultAsync<BulkOperationQueries.Row>(Cancel()))?.ToModel();
        if (after is null)
        {
            return new Change(before?.CancelRequested == true ? ActionOutcome.NoChange : ActionOutcome.Refused, Why(before), 0, before, before);
        }

        return new Change(
            ActionOutcome.Applied,
            $"bulk operation {OperationId} stops before its next chunk; {ActionText.Count(after.Changed)} of {ActionText.Jobs(after.Expected)} were done",
            1,
            before,
            after);
    }

    private string Why(BulkOperation? op) => op switch
    {
        null => $"there is no bulk operation {OperationId}",
        { IsRunning: false } => $"bulk operation {OperationId} is already {op.State}",
        { CancelRequested: true } => $"bulk operation {OperationId} is already being cancelled",
        _ => $"bulk operation {OperationId} is a {op.Action}, not a {BulkChunks.ActionName(Transition)}",
    };
}
