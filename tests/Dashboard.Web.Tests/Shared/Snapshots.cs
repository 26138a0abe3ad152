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
        IntakeStatus? intake = null) =>
        new(
            Now,
            states ?? [new("queued", 14, false), new("processing", 2, false), new("paused", 0, false), new("done", 1_250_000, true), new("failed", 3, false)],
            kinds ?? [Kind("email.send")],
            processing ?? [],
            workers ?? [],
            intake ?? new IntakeStatus(true, null, Now, null));

    public static KindStatus Kind(string name, bool paused = false, params StateCount[] counts) =>
        new(name, counts, null, TimeSpan.FromMinutes(5), paused, paused ? "alice" : null, paused ? Now : null, paused ? "maintenance" : null, null);

    public static ProcessingJob Lease(long id, string leasedBy, TimeSpan age, bool stuck, string kind = "email.send") =>
        new(id, kind, leasedBy, Now - age, Now - age, 1, Guid.NewGuid(), TimeSpan.FromMinutes(5), stuck);

    public static FeedState Healthy(DashboardSnapshot snapshot) => new(snapshot, null, null);
}
