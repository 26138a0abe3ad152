using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Changes;

/// <summary>The rows the snapshot and list statements return, before they become the public models.</summary>
internal static class SnapshotRows
{
    internal sealed class NowRow
    {
        public DateTime Now { get; init; }
        public TimeSpan DefaultLeaseTimeout { get; init; }
    }

    internal sealed class CountRow
    {
        public string State { get; init; } = "";
        public string Kind { get; init; } = "";
        public long Count { get; init; }
        public DateTime? OldestQueuedAt { get; init; }
    }

    internal sealed class LeaseAggregateRow
    {
        public int Overall { get; init; }
        public string? Kind { get; init; }
        public long Processing { get; init; }
        public long Stuck { get; init; }
        public DateTime? OldestRunningSince { get; init; }
    }

    /// <summary>
    /// Where each part's columns start in a row of <see cref="ListSql.SnapshotLeases"/>: part 0 a
    /// <see cref="LeaseAggregateRow"/>, part 1 a <see cref="ProcessingRow"/>, part 2 a <see cref="WorkerRow"/>.
    /// </summary>
    internal static class LeaseSet
    {
        public const int Part = 0;
        public const int Aggregate = 2;
        public const int Lease = Aggregate + 5;
        public const int Worker = Lease + 8;
        public const int Width = Worker + 12;
    }

    internal sealed class EstimateRow
    {
        public long TotalRows { get; init; }
        public string[]? StateValues { get; init; }
        public float[]? StateFrequencies { get; init; }

        public double FrequencyOf(string state)
        {
            var index = StateValues is null ? -1 : Array.IndexOf(StateValues, state);
            return index < 0 || StateFrequencies is null ? 0 : StateFrequencies[index];
        }
    }

    internal sealed class KindRow
    {
        public string Kind { get; init; } = "";
        public TimeSpan LeaseTimeout { get; init; }
        public bool Paused { get; init; }
        public string? PausedBy { get; init; }
        public DateTime? PausedAt { get; init; }
        public string? PauseReason { get; init; }
        public DateTime? PauseExpiresAt { get; init; }
    }

    internal sealed class ProcessingRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string? LeasedBy { get; init; }
        public DateTime? LeasedAt { get; init; }
        public DateTime? HeartbeatAt { get; init; }
        public int Attempts { get; init; }
        public TimeSpan LeaseTimeout { get; init; }
        public bool IsStuck { get; init; }

        public ProcessingJob ToModel() =>
            new(Id, Kind, LeasedBy, Utc(LeasedAt), Utc(HeartbeatAt), Attempts, LeaseTimeout, IsStuck);
    }

    internal sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string? State { get; init; }
        public bool DrainRequested { get; init; }
        public int Concurrency { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? HeartbeatAt { get; init; }
        public bool IsAlive { get; init; }
        public bool Registered { get; init; }
        public long InFlight { get; init; }
        public long Stuck { get; init; }
        public DateTime? OldestRunningSince { get; init; }

        /// <summary>All matching workers (the snapshot's first page reads it in the same pass).</summary>
        public long Total { get; init; }

        public WorkerStatus ToModel() =>
            new(Id, State, DrainRequested, Concurrency, Utc(StartedAt), Utc(HeartbeatAt), IsAlive, Registered, InFlight, Stuck,
                Utc(OldestRunningSince));
    }

    internal sealed class IntakeRow
    {
        public bool Accepting { get; init; }
        public string? ChangedBy { get; init; }
        public DateTime ChangedAt { get; init; }
        public string? Reason { get; init; }

        public IntakeStatus ToModel() => new(Accepting, ChangedBy, Utc(ChangedAt), Reason);
    }
}
