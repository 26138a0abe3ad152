using Dashboard.Core.Changes;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>Every open tab shows the kinds of the same snapshot: without a filter, they share one sorted list.</summary>
public sealed class KindSortingTests
{
    private static readonly IReadOnlyList<KindStatus> _kinds =
    [
        Snapshots.Kind("b.small", false, new StateCount("queued", 1, false)),
        Snapshots.Kind("a.large", false, new StateCount("queued", 90, false)),
        Snapshots.Kind("c.medium", false, new StateCount("queued", 40, false)),
    ];

    [Fact]
    public void WithoutAFilter_EveryTabGetsTheSameSortedList_PerOrder()
    {
        var byBacklog = KindSorting.Apply(_kinds, null, "backlog");

        Assert.Equal(["a.large", "c.medium", "b.small"], byBacklog.Select(k => k.Kind));
        Assert.Same(byBacklog, KindSorting.Apply(_kinds, " ", "backlog"));
        Assert.Equal(["a.large", "b.small", "c.medium"], KindSorting.Apply(_kinds, null, "no-such-order").Select(k => k.Kind));
        Assert.Same(KindSorting.Apply(_kinds, null, "name"), KindSorting.Apply(_kinds, null, null));
    }

    [Fact]
    public void ANewSnapshotsKinds_AreSortedAgain_AndAFilterSortsItsOwnMatches()
    {
        var before = KindSorting.Apply(_kinds, null, "backlog");
        var next = _kinds.Select(k => k.Kind == "b.small" ? k with { Counts = [new StateCount("queued", 500, false)] } : k).ToList();

        Assert.Equal(["b.small", "a.large", "c.medium"], KindSorting.Apply(next, null, "backlog").Select(k => k.Kind));
        Assert.Equal(["a.large", "c.medium", "b.small"], before.Select(k => k.Kind));
        Assert.Equal(["c.medium"], KindSorting.Apply(_kinds, "MED", "backlog").Select(k => k.Kind));
    }
}
