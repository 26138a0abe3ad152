namespace Dashboard.Core.Actions;

/// <summary>
/// A job's main columns: as the job actions read and audit them (before/after), and the start of every job row the
/// explorer reads.
/// </summary>
internal class JobRow
{
    public const string Columns = """
        j.id AS Id, j.kind AS Kind, j.state AS State, j.attempts AS Attempts, j.max_attempts AS MaxAttempts,
        j.run_at AS RunAt, j.leased_by AS LeasedBy, j.finished_at AS FinishedAt, j.updated_at AS UpdatedAt
        """;

    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string State { get; init; } = "";
    public int Attempts { get; init; }
    public int MaxAttempts { get; init; }
    public DateTime RunAt { get; init; }
    public string? LeasedBy { get; init; }
    public DateTime? FinishedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    /// <summary>What the job is now, in the operator's terms: "processing (held by w:1)", "queued (due 12:00:01 UTC)".</summary>
    public string Describe() => State switch
    {
        "processing" => $"processing (held by {LeasedBy ?? "nobody"})",
        "queued" => $"queued (due {ActionText.Time(RunAt)})",
        "failed" or "done" or "discarded" => $"{State} (attempt {Attempts} of {MaxAttempts}, finished {ActionText.Time(FinishedAt)})",
        _ => State,
    };
}
