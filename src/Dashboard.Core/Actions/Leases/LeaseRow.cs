namespace Dashboard.Core.Actions;

/// <summary>A job's lease columns, as read and as written to the audit log's before/after.</summary>
internal sealed class LeaseRow
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string State { get; init; } = "";
    public string? LeasedBy { get; init; }
    public DateTime? LeasedAt { get; init; }
    public DateTime? HeartbeatAt { get; init; }
    public Guid? LeaseToken { get; init; }

    /// <summary>The columns above, for a <c>SELECT</c> or <c>RETURNING</c> list on <c>jobs</c>.</summary>
    public const string Columns = """
        id AS Id, kind AS Kind, state AS State, leased_by AS LeasedBy, leased_at AS LeasedAt,
        heartbeat_at AS HeartbeatAt, lease_token AS LeaseToken
        """;
}
