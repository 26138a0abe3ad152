using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public void RangeChosenWhileALoadIsUnderWay_IsShownWhenItEnds()
    {
        // The database is slow: someone picks 24h, and 7d before the 24h read came back.
        var page = Render<KindPage>(parameters => parameters.Add(p => p.Kind, "email.send"));
        page.WaitForAssertion(() => Assert.Equal(HistoryRange.Hour.Length(), Window(page)));
        History.HoldKind = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("range", "24h"));
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("range", "7d"));

        History.HoldKind.SetResult();

        page.WaitForAssertion(() => Assert.Equal(HistoryRange.Week.Length(), Window(page)));
    }

    private static TimeSpan Window(IRenderedComponent<KindPage> page)
    {
        var chart = page.FindComponent<TrendChart>().Instance;
        return chart.To - chart.From;
    }
}
