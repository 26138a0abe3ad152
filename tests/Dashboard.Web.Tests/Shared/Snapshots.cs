using Dashboard.Core.Changes;

namespace Dashboard.Web.Tests.Shared;

/// <summary>Builders for snapshots used by component tests.</summary>
public static class Snapshots
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public static DashboardSnapshot Create(
        IReadOnlyList<StateCount>? states = null,
        IReadOnlyList<KindStatus>? kinds = null,
        IReadOnlyList<ProcessingJob>? processing = null,
        IReadOnlyList<WorkerStatus>? workers = null,
        IntakeStatus? intake = null,
        LeaseTotals? leases = null)
    {
        processing ??= [];
        workers ??= [];
        var totals = leases ?? new LeaseTotals(
            processing.Count, processing.Count(p => p.IsStuck), processing.Select(p => p.LeasedAt).Min());
        return new(
            Now,
            states ?? [new("queued", 14, false), new("processing", 2, false), new("paused", 0, false), new("done", 1_250_000, true), new("failed", 3, false)],
            kinds ?? [Kind("email.send")],
            totals,
            processing,
            workers,
            workers.Count,
            intake ?? new IntakeStatus(true, null, Now, null));
    }

    public static KindStatus Kind(string name, bool paused = false, params StateCount[] counts) =>
        new(name, counts, null, TimeSpan.FromMinutes(5), paused, paused ? "alice" : null, paused ? Now : null, paused ? "maintenance" : null, null);

    public static KindStatus StuckKind(string name, long stuck) => Kind(name) with { Stuck = stuck };

    public static WorkerStatus Worker(string id, bool alive = true, long inFlight = 0, string state = "running", bool drainRequested = false) =>
        new(id, state, drainRequested, 4, Now.AddHours(-1), alive ? Now : Now.AddHours(-1), alive, true, inFlight, 0, inFlight > 0 ? Now.AddMinutes(-1) : null);

    public static ProcessingJob Lease(long id, string leasedBy, TimeSpan age, bool stuck, string kind = "email.send") =>
        new(id, kind, leasedBy, Now - age, Now - age, 1, TimeSpan.FromMinutes(5), stuck);

    public static FeedState Healthy(DashboardSnapshot snapshot) => new(snapshot, null, null);
}
