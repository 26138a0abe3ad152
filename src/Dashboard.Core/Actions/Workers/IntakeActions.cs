using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// The actions on the intake flag (<c>queue_control.accepting</c>): one shared preview and change, set by each action's
/// <see cref="Accepting"/> and <see cref="ClearDrains"/>.
/// </summary>
public abstract record IntakeAction : OperatorAction
{
    private protected IntakeAction()
    {
    }

    /// <summary>The value the action sets.</summary>
    private protected abstract bool Accepting { get; }

    /// <summary>Whether the action also clears every worker's drain flag.</summary>
    private protected virtual bool ClearDrains => false;

    private const string PreviewSql = """
        SELECT coalesce((SELECT accepting FROM queue_control), true) AS Accepting,
               (SELECT count(*) FROM jobs WHERE state = 'processing') AS Running,
               (SELECT count(*) FROM workers WHERE drain_requested) AS Draining
        """;

    private const string LockSql = """
        SELECT accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        FROM queue_control
        FOR UPDATE
        """;

    // Sets the value, never toggles. Inserts the single row if someone deleted it.
    private const string SetSql = """
        INSERT INTO queue_control AS q (id, accepting, changed_by, changed_at, reason)
        VALUES (true, @Accepting, @Actor, now(), @Reason)
        ON CONFLICT (id) DO UPDATE
        SET accepting = EXCLUDED.accepting, changed_by = EXCLUDED.changed_by, changed_at = now(), reason = EXCLUDED.reason
        WHERE q.accepting IS DISTINCT FROM EXCLUDED.accepting
        RETURNING accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        """;

    private const string RunningSql = "SELECT count(*) FROM jobs WHERE state = 'processing'";

    private const string ClearDrainsSql = """
        UPDATE workers SET drain_requested = false
        WHERE drain_requested
        RETURNING id
        """;

    private SqlStatement[] Statements() =>
    [
        SqlStatement.Of(LockSql),
        SqlStatement.Of(SetSql, new { Accepting, Actor = SqlStatement.ActorName, Reason = SqlStatement.Reason }),
        .. ClearDrains ? [SqlStatement.Of(ClearDrainsSql)] : Array.Empty<SqlStatement>(),
    ];

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var now = await reader.SingleAsync<PreviewRow>(SqlStatement.Of(PreviewSql));
        var flag = now.Accepting == Accepting ? 0 : 1;
        var drains = ClearDrains ? now.Draining : 0;
        string summary;
        if (flag + drains == 0)
        {
            summary = $"no change: intake is already {(Accepting ? "accepting" : "paused")}";
        }
        else if (!Accepting)
        {
            summary = $"pauses intake: no worker claims a new job until resumed; {ActionText.Jobs(now.Running)} in flight run to completion";
        }
        else
        {
            summary = (flag == 1 ? "resumes intake" : "intake is already accepting")
                + (drains > 0 ? $"; clears the drain flag of {ActionText.Workers(drains)}" : "");
        }

        return new ActionPreview(this, summary, flag + drains, Statements());
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var statements = Statements();
        var before = await c.SingleOrDefaultAsync<IntakeRow>(statements[0]);
        var changed = await c.SingleOrDefaultAsync<IntakeRow>(statements[1]);
        var cleared = ClearDrains ? await c.ListAsync<string>(statements[2]) : [];
        var running = await c.SingleAsync<long>(SqlStatement.Of(RunningSql));
        var after = changed ?? before;
        var rows = (changed is null ? 0 : 1) + cleared.Count;

        string message;
        if (rows == 0)
        {
            message = $"intake is already {(Accepting ? "accepting" : "paused")}"
                + (before?.ChangedBy is { } by ? $" (set by {by} at {ActionText.Time(before.ChangedAt)})" : "");
        }
        else if (!Accepting)
        {
            message = $"paused intake: no worker claims a new job until resumed; {ActionText.Jobs(running)} in flight";
        }
        else
        {
            message = (changed is null ? "intake was already accepting" : "resumed intake")
                + (cleared.Count > 0 ? $"; cleared the drain flag of {ActionText.Workers(cleared.Count)} ({string.Join(", ", cleared)})" : "");
        }

        return new Change(
            rows == 0 ? ActionOutcome.NoChange : ActionOutcome.Applied,
            message,
            rows,
            new { QueueControl = before, DrainingWorkers = cleared },
            new { QueueControl = after, RunningJobs = running });
    }

    private sealed class PreviewRow
    {
        public bool Accepting { get; init; }
        public long Running { get; init; }
        public long Draining { get; init; }
    }

    private sealed class IntakeRow
    {
        public bool Accepting { get; init; }
        public string? ChangedBy { get; init; }
        public DateTime ChangedAt { get; init; }
        public string? Reason { get; init; }
    }
}

/// <summary>
/// Drains every worker by pausing intake (<c>queue_control.accepting = false</c>): no worker claims a new job until
/// <see cref="ResumeAllWorkers"/> or <see cref="ResumeIntake"/>; jobs in flight run to completion.
/// </summary>
public sealed record DrainAllWorkers : IntakeAction
{
    public override string Name => "drain_all_workers";

    public override string Permission => Permissions.DrainWorkers;

    private protected override bool Accepting => false;
}

/// <summary>Resumes intake (<c>accepting = true</c>) and clears every worker's drain flag. Sets values; never toggles.</summary>
public sealed record ResumeAllWorkers : IntakeAction
{
    public override string Name => "resume_all_workers";

    public override string Permission => Permissions.ResumeWorkers;

    private protected override bool Accepting => true;

    private protected override bool ClearDrains => true;
}

/// <summary>
/// The deploy gate's pause: the same switch as <see cref="DrainAllWorkers"/> (<c>accepting = false</c>), under its own
/// permission so a deploy token needs no operator rights.
/// </summary>
public sealed record PauseIntake : IntakeAction
{
    public override string Name => "pause_intake";

    public override string Permission => Permissions.PauseIntake;

    private protected override bool Accepting => false;
}

/// <summary>
/// The deploy gate's resume: <c>accepting = true</c> only. Unlike <see cref="ResumeAllWorkers"/> it leaves drain flags
/// that an operator set on single workers alone. Sets a value; never toggles, so it is safe as a recovery step.
/// </summary>
public sealed record ResumeIntake : IntakeAction
{
    public override string Name => "resume_intake";

    public override string Permission => Permissions.ResumeIntake;

    private protected override bool Accepting => true;
}
