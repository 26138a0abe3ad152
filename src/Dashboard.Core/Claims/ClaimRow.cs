namespace Dashboard.Core.Claims;

/// <summary>A claimed row as the claim statement returns it (Dapper maps by column name).</summary>
internal sealed class ClaimRow
{
    public long Id { get; init; }

    public string Kind { get; init; } = "";

    public string Payload { get; init; } = "{}";

    public int Attempts { get; init; }

    public int MaxAttempts { get; init; }

    public string? Checkpoint { get; init; }

    public Guid LeaseToken { get; init; }

    public DateTime LeasedAt { get; init; }

    public DateTime RunAt { get; init; }

    public TimeSpan LeaseTimeout { get; init; }

    public ClaimedJob ToModel() =>
        new(Id, Kind, Payload, Attempts, MaxAttempts, Checkpoint, LeaseToken,
            DateTime.SpecifyKind(LeasedAt, DateTimeKind.Utc), DateTime.SpecifyKind(RunAt, DateTimeKind.Utc), LeaseTimeout);
}
