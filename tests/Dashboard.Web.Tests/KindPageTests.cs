using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>A kind page follows the feed for its figures; its charts move with the history, not with every change.</summary>
public sealed class KindPageTests : DashboardTestContext
{
    [Fact]
    public async Task NewSnapshot_UpdatesTheFigures_WithoutDrawingTheChartsAgain()
    {
        // During an incident the feed changes every tick, and every tab on a kind page would draw five charts anew
        // at each change although the history did not move.
        History.Points.Add(new HistoryPoint("email.send", Snapshots.Now.AddMinutes(-2), 3, 0, 0, 5, 12, 1, 0, 0, 2, null, null, null, null));
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", 4, false))])));
        var page = Render<KindPage>(parameters => parameters.Add(p => p.Kind, "email.send"));
        page.WaitForAssertion(() => Assert.Equal(5, page.FindComponents<TrendChart>().Count));
        var drawn = page.FindComponents<TrendChart>().Select(c => c.RenderCount).ToList();

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", 9, false))])));

        page.WaitForAssertion(() => Assert.Contains("9 queued", page.Find("[data-testid=kind-now]").TextContent, StringComparison.Ordinal));
        Assert.Equal(drawn, page.FindComponents<TrendChart>().Select(c => c.RenderCount));
        Assert.Contains("data-series=\"queued\"", page.Find("[data-testid=chart-backlog]").OuterHtml, StringComparison.Ordinal);
    }
}
