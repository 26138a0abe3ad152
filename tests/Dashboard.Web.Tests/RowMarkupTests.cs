using Dashboard.Core.History;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>A row's markup is built once and shared by every tab that shows the same row.</summary>
public sealed class RowMarkupTests
{
    [Fact]
    public void KindRow_IsOneStringPerVariant_WhileTabsShowDifferentTrends()
    {
        // Each tab reads the trends on its own every few seconds: around a new minute some show the older ones. Every
        // tab that shows a variant must point at the one string of it, or each would keep a copy.
        var kind = Snapshots.Kind("email.send");
        var head = RowMarkup.KindHead(kind, null);
        var older = RowMarkup.Trend([], Snapshots.Now);
        var newer = RowMarkup.Trend([new HistoryPoint("email.send", Snapshots.Now.AddMinutes(-1), 3, 0, 0, 5, 12, 1, 0, 0, 2, null, null, null, null)], Snapshots.Now);

        var first = RowMarkup.KindRowWithout(kind, head, older, Snapshots.Now, emptyActions: false);
        var second = RowMarkup.KindRowWithout(kind, head, newer, Snapshots.Now, emptyActions: false);
        var again = RowMarkup.KindRowWithout(kind, head, older, Snapshots.Now.AddSeconds(5), emptyActions: false);

        Assert.NotEqual(first.Value, second.Value);
        Assert.Same(first.Value, again.Value);
        Assert.Same(second.Value, RowMarkup.KindRowWithout(kind, head, newer, Snapshots.Now, emptyActions: false).Value);
    }

    [Fact]
    public void LeaseCells_WriteTheirAgesWithTheirStart_AndAreShared()
    {
        var lease = Snapshots.Lease(7, "web-1:<b>", TimeSpan.FromSeconds(75), stuck: true);

        var cells = RowMarkup.LeaseCells(lease, Snapshots.Now).Value;
        var head = RowMarkup.LeaseHead(lease, Snapshots.Now).Value;

        Assert.Same(cells, RowMarkup.LeaseCells(lease, Snapshots.Now.AddMinutes(1)).Value);
        Assert.Contains($"data-since=\"{Snapshots.Now.AddSeconds(-75).ToUnixTimeMilliseconds()}\">1m 15s</span>", cells, StringComparison.Ordinal);
        Assert.Equal("<td>7</td><td class=\"mono clip\" title=\"email.send\">email.send</td><td class=\"mono clip\" title=\"web-1:&lt;b&gt;\">web-1:&lt;b&gt;</td>", head);
    }

    [Fact]
    public void LeaseHead_IsTheSameText_WhenOnlyTheHeartbeatMoved()
    {
        // A new heartbeat is a new row instance; the cells that name the lease must read the same, so a redraw leaves
        // them in place (and a holder's name someone selected stays selected).
        var lease = Snapshots.Lease(7, "web-1:4711", TimeSpan.FromSeconds(75), stuck: false);
        var beat = lease with { HeartbeatAt = Snapshots.Now };

        Assert.Equal(RowMarkup.LeaseHead(lease, Snapshots.Now).Value, RowMarkup.LeaseHead(beat, Snapshots.Now).Value);
        Assert.NotEqual(RowMarkup.LeaseCells(lease, Snapshots.Now).Value, RowMarkup.LeaseCells(beat, Snapshots.Now).Value);
    }
}
