namespace Dashboard.Core.Changes;

/// <summary>
/// Everything the overview shows, read in one consistent transaction. Ages are relative to <see cref="TakenAt"/> (the
/// database clock). Figures are aggregates over all rows (<see cref="Leases"/>, <see cref="KindStatus.Stuck"/>,
/// <see cref="WorkerStatus.InFlight"/>); <see cref="Processing"/> and <see cref="Workers"/> are only the first page
/// of their lists (<see cref="WorkerTotal"/> says how many workers there are; <see cref="LeaseTotals.Processing"/> how
/// many leases).
/// </summary>
public sealed record DashboardSnapshot(
    DateTimeOffset TakenAt,
    IReadOnlyList<StateCount> States,
    IReadOnlyList<KindStatus> Kinds,
    LeaseTotals Leases,
    IReadOnlyList<ProcessingJob> Processing,
    IReadOnlyList<WorkerStatus> Workers,
    long WorkerTotal,
    IntakeStatus Intake)
{
    /// <summary>The count of one state across all kinds (zero when absent).</summary>
    public StateCount CountOf(string state) =>
        States.FirstOrDefault(s => s.State == state) ?? new StateCount(state, 0, false);

    // Built on first use and shared by every viewer of this snapshot; rebuilt if a copy (`with`) has other kinds.
    private KindIndex? _kindIndex;

    /// <summary>
    /// This snapshot with every part and row that equals its counterpart in <paramref name="previous"/> replaced by that
    /// instance: what did not change keeps its identity from snapshot to snapshot. Viewers compare by reference (a
    /// table whose rows are the same instances is not drawn again, and each row's markup is built once for all of
    /// them), so the comparison by value happens here, once per read, not once per open tab.
    /// </summary>
    public DashboardSnapshot Reusing(DashboardSnapshot? previous) => previous is null ? this : this with
    {
        States = Reuse(States, previous.States),
        Kinds = Reuse(Kinds, previous.Kinds),
        Leases = Reuse(Leases, previous.Leases),
        Processing = Reuse(Processing, previous.Processing),
        Workers = Reuse(Workers, previous.Workers),
        Intake = Reuse(Intake, previous.Intake),
    };

    /// <summary>Whether this shows what <paramref name="other"/> shows, its time aside (after <see cref="Reusing"/>).</summary>
    public bool SameAs(DashboardSnapshot? other) =>
        other is not null && ReferenceEquals(States, other.States) && ReferenceEquals(Kinds, other.Kinds)
        && ReferenceEquals(Leases, other.Leases) && ReferenceEquals(Processing, other.Processing)
        && ReferenceEquals(Workers, other.Workers) && WorkerTotal == other.WorkerTotal && ReferenceEquals(Intake, other.Intake);

    private static T Reuse<T>(T now, T before)
        where T : class, IEquatable<T> => now.Equals(before) ? before : now;

    private static IReadOnlyList<T> Reuse<T>(IReadOnlyList<T> now, IReadOnlyList<T> before)
        where T : class, IEquatable<T>
    {
        if (now.SequenceEqual(before))
        {
            return before;
        }

        var known = new Dictionary<T, T>(before.Count);
        foreach (var row in before)
        {
            known.TryAdd(row, row);
        }

        var rows = new T[now.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = known.TryGetValue(now[i], out var same) ? same : now[i];
        }

        return rows;
    }

    /// <summary>Stuck leases over all processing jobs.</summary>
    public long StuckCount => Leases.Stuck;

    /// <summary>The kind of that name, or null.</summary>
    public KindStatus? KindNamed(string kind)
    {
        var index = Volatile.Read(ref _kindIndex);
        if (index is null || !ReferenceEquals(index.Source, Kinds))
        {
            index = new KindIndex(Kinds);
            Volatile.Write(ref _kindIndex, index);
        }

        return index.ByName.GetValueOrDefault(kind);
    }

    private sealed class KindIndex
    {
        public KindIndex(IReadOnlyList<KindStatus> kinds)
        {
            Source = kinds;
            foreach (var kind in kinds)
            {
                ByName.TryAdd(kind.Kind, kind);
            }
        }

        public IReadOnlyList<KindStatus> Source { get; }

        public Dictionary<string, KindStatus> ByName { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>A number of jobs in one state. <see cref="IsEstimate"/> marks counts above the exact-count cap.</summary>
public sealed record StateCount(string State, long Count, bool IsEstimate);

/// <summary>Aggregates over every processing job (the <c>job_leases</c> view): never derived from a capped list.</summary>
/// <param name="Processing">Jobs under lease.</param>
/// <param name="Stuck">Of those, stuck (no heartbeat within the lease timeout).</param>
/// <param name="OldestRunningSince">The earliest claim (<c>leased_at</c>) among them; null when none runs.</param>
public sealed record LeaseTotals(long Processing, long Stuck, DateTimeOffset? OldestRunningSince)
{
    public static readonly LeaseTotals None = new(0, 0, null);
}

/// <summary>One kind: its counts, settings and <c>Stuck</c>, the stuck leases over all its processing jobs.</summary>
public sealed record KindStatus(
    string Kind,
    IReadOnlyList<StateCount> Counts,
    DateTimeOffset? OldestQueuedAt,
    TimeSpan LeaseTimeout,
    bool Paused,
    string? PausedBy,
    DateTimeOffset? PausedAt,
    string? PauseReason,
    DateTimeOffset? PauseExpiresAt,
    long Stuck = 0)
{
    public StateCount CountOf(string state) =>
        Counts.FirstOrDefault(s => s.State == state) ?? new StateCount(state, 0, false);

    /// <summary>Equal when every field is, the counts compared one by one.</summary>
    public bool Equals(KindStatus? other) =>
        other is not null && Kind == other.Kind && Counts.SequenceEqual(other.Counts) && OldestQueuedAt == other.OldestQueuedAt
        && LeaseTimeout == other.LeaseTimeout && Paused == other.Paused && PausedBy == other.PausedBy && PausedAt == other.PausedAt
        && PauseReason == other.PauseReason && PauseExpiresAt == other.PauseExpiresAt && Stuck == other.Stuck;

    public override int GetHashCode() => HashCode.Combine(Kind, Counts.Count, OldestQueuedAt, Paused, Stuck);

    /// <summary>The backlog: queued plus paused jobs (estimates included).</summary>
    public long Backlog => CountOf("queued").Count + CountOf("paused").Count;
}

/// <summary>
/// A job under lease. <see cref="IsStuck"/>: no heartbeat (or claim) within its kind's lease timeout. The lease token
/// is deliberately absent: it never leaves the server; a force-release compares id, holder and <see cref="LeasedAt"/>.
/// </summary>
public sealed record ProcessingJob(
    long Id,
    string Kind,
    string? LeasedBy,
    DateTimeOffset? LeasedAt,
    DateTimeOffset? HeartbeatAt,
    int Attempts,
    TimeSpan LeaseTimeout,
    bool IsStuck);

/// <summary>
/// A worker: a <c>workers</c> row, or a lease holder without one (<see cref="Registered"/> false). The job figures
/// are counted from <c>jobs</c> (not the worker's own report), so they follow releases even for a gone worker:
/// <c>InFlight</c> processing jobs it holds, <c>Stuck</c> of those stuck, <c>OldestRunningSince</c> its earliest claim.
/// </summary>
public sealed record WorkerStatus(
    string Id,
    string? State,
    bool DrainRequested,
    int Concurrency,
    DateTimeOffset? StartedAt,
    DateTimeOffset? HeartbeatAt,
    bool IsAlive,
    bool Registered,
    long InFlight,
    long Stuck,
    DateTimeOffset? OldestRunningSince)
{
    /// <summary>Where the worker is in its life, from one rule (<see cref="WorkerPhases.Of"/>).</summary>
    public WorkerPhase Phase => WorkerPhases.Of(this);
}

/// <summary>Whether workers may claim at all (the deploy gate's switch).</summary>
public sealed record IntakeStatus(bool Accepting, string? ChangedBy, DateTimeOffset ChangedAt, string? Reason);
