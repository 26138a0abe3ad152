using System.Globalization;
using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class OverviewPageTests : DashboardTestContext
{
    [Fact]
    public void Render_ShowsCountsPerState_WithEstimatesMarked()
    {
        var page = Render<OverviewPage>();

        Assert.Contains("14", page.Find("[data-testid=state-queued]").TextContent, StringComparison.Ordinal);
        var done = page.Find("[data-testid=state-done] .count");
        Assert.Equal("1,250,000", done.TextContent);
        Assert.Contains("estimate", done.ClassName, StringComparison.Ordinal);
        Assert.DoesNotContain("estimate", page.Find("[data-testid=state-failed] .count").ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_UpdatesCounts_WhenFeedPublishes()
    {
        var page = Render<OverviewPage>();

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(states: [new("queued", 99, false)])));

        page.WaitForAssertion(() => Assert.Contains("99", page.Find("[data-testid=state-queued]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_SubscribesOnce_AndUnsubscribesOnDispose()
    {
        Render<OverviewPage>();
        var whileShown = State.SubscriberCount;

        await DisposeComponentsAsync();

        Assert.Equal(1, whileShown);
        Assert.Equal(0, State.SubscriberCount);
    }

    [Fact]
    public void Render_ShowsStuckLeasesFlagged_WithAgeAndAbsoluteTime()
    {
        var snapshot = Snapshots.Create(processing:
        [
            Snapshots.Lease(7, "web-3:4711", TimeSpan.FromMinutes(12) + TimeSpan.FromSeconds(5), stuck: true),
            Snapshots.Lease(8, "web-1:99", TimeSpan.FromSeconds(20), stuck: false),
        ]);
        State.Set(Snapshots.Healthy(snapshot));

        var page = Render<OverviewPage>();

        var rows = page.FindAll("[data-testid=lease-row]");
        Assert.Equal("7", rows[0].GetAttribute("data-job-id"));
        Assert.Contains("stuck", rows[0].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("stuck", rows[1].TextContent, StringComparison.Ordinal);
        var age = rows[0].QuerySelector(".age")!;
        Assert.StartsWith("12m 0", age.TextContent, StringComparison.Ordinal);
        Assert.Equal("2026-11-22 11:47:55 UTC", age.GetAttribute("title"));
        Assert.Equal("1 stuck", page.Find("[data-testid=stuck-count]").TextContent);
    }

    [Fact]
    public void Render_OffersReleaseStuck_ForEveryKindWithAStuckLease_NotOnlyThoseInTheFirstPage()
    {
        // 2,006 stuck leases over 200 kinds; the first page of the processing list holds leases of one kind only.
        var kinds = Enumerable.Range(0, 200).Select(i => Snapshots.StuckKind($"kind.{i:000}", stuck: 10 + (i < 6 ? 1 : 0)))
            .Append(Snapshots.Kind("calm.kind"))
            .ToList();
        var snapshot = Snapshots.Create(
            kinds: kinds,
            processing: [.. Enumerable.Range(1, 50).Select(i => Snapshots.Lease(i, "probe-w:0", TimeSpan.FromHours(2), stuck: true, kind: "kind.000"))],
            leases: new LeaseTotals(2036, 2006, Snapshots.Now.AddHours(-2)));
        State.Set(Snapshots.Healthy(snapshot));

        var page = Render<OverviewPage>();

        Assert.Equal("2,006 stuck", page.Find("[data-testid=stuck-count]").TextContent);
        // The kinds table shows a page of 25 (by name: calm.kind, then kind.000…); every stuck kind on it offers release.
        var rows = page.FindAll("[data-testid=kind-row]");
        var offered = rows
            .Where(r => r.QuerySelector("[data-testid=release-kind-stuck]") is not null)
            .Select(r => r.GetAttribute("data-kind"))
            .ToList();
        Assert.Equal(KindTable.PageSize, rows.Count);
        Assert.Equal(rows.Select(r => r.GetAttribute("data-kind")).Where(k => k != "calm.kind"), offered);
        Assert.Contains("2,036", page.Find("[data-testid=lease-total]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void KindTable_FiltersAndSorts_AmongFiveHundredKinds()
    {
        var kinds = Enumerable.Range(0, 500)
            .Select(i => Snapshots.Kind($"kind.{i:000}", false, new StateCount("queued", i, false), new StateCount("failed", 500 - i, false)) with { Stuck = i % 7 })
            .Append(Snapshots.Kind("tenant." + new string('x', 300)))
            .ToList();
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: kinds)));
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();

        nav.NavigateTo("/?q=KIND.13");
        var page = Render<OverviewPage>();

        // kind.130..139, case-insensitive: 10 of 501, by name.
        page.WaitForAssertion(() => Assert.Equal(10, page.FindAll("[data-testid=kind-row]").Count));
        Assert.Equal("kind.130", page.FindAll("[data-testid=kind-row]")[0].GetAttribute("data-kind"));
        Assert.Contains("10 of 501 kinds match", page.Find("[data-testid=kind-count]").TextContent, StringComparison.Ordinal);

        nav.NavigateTo("/");
        page.Find("[data-testid=kind-sort]").Change("backlog");
        Assert.EndsWith("/?sort=backlog", nav.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Equal("kind.499", page.FindAll("[data-testid=kind-row]")[0].GetAttribute("data-kind")));
        Assert.Equal(KindTable.PageSize, page.FindAll("[data-testid=kind-row]").Count);
        Assert.Equal("backlog", page.Find("[data-testid=kind-sort] option[selected]").GetAttribute("value"));

        nav.NavigateTo("/?sort=failed&q=tenant");
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=kind-row]")));
        var cell = page.Find("[data-testid=kind-row] td");
        Assert.Contains("clip", cell.ClassName, StringComparison.Ordinal);
        Assert.Equal("tenant." + new string('x', 300), cell.GetAttribute("title"));
    }

    [Fact]
    public void LeaseList_ReadsFilteredPagesFromTheServer_WhenTheUrlAsks()
    {
        Lists.Leases.AddRange(Enumerable.Range(1, 120).Select(i => Snapshots.Lease(i, $"w:{i % 3}", TimeSpan.FromMinutes(i), stuck: i % 2 == 0, kind: i % 4 == 0 ? "a.kind" : "b.kind")));
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();

        nav.NavigateTo("/?kind=a.kind&stuck=1");
        var page = Render<OverviewPage>();

        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[data-testid=lease-row]").Count));
        Assert.Equal(new LeaseFilter("a.kind", null, true), Lists.LeaseRequests[^1]);
        Assert.Contains("of 30 matching", System.Text.RegularExpressions.Regex.Replace(page.Find("[data-testid=lease-total]").TextContent, @"\s+", " "), StringComparison.Ordinal);
        Assert.Contains("a.kind", page.Find("[data-testid=lease-kind-filter]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaseList_AChangeWhileThePageIsBeingRead_IsReadWhenThatReadEnds()
    {
        // The database is slow: the last change of the feed comes while the filtered list is read for the one before.
        Lists.Leases.Add(Snapshots.Lease(1, "w:1", TimeSpan.FromMinutes(9), stuck: true));
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/?stuck=1");
        var page = Render<OverviewPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=lease-row]")));

        Lists.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create()));
        Lists.Leases.Add(Snapshots.Lease(2, "w:2", TimeSpan.FromMinutes(8), stuck: true));
        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create()));
        Lists.Hold.SetResult();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=lease-row]").Count));
    }

    [Fact]
    public async Task LeaseList_FirstPageFromTheSnapshot_ThePageLinksReachTheRest()
    {
        // The snapshot carries the first 50 leases; the overview shows 25 of them, and page 2 starts at the 26th.
        var leases = Enumerable.Range(1, 120).Select(i => Snapshots.Lease(i, $"w:{i % 3}", TimeSpan.FromMinutes(i), stuck: false)).ToList();
        Lists.Leases.AddRange(leases);
        State.Set(Snapshots.Healthy(Snapshots.Create(processing: leases.Take(50).ToList(), leases: new LeaseTotals(120, 0, null))));
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        var page = Render<OverviewPage>();

        Assert.Equal(25, page.FindAll("[data-testid=lease-row]").Count);
        Assert.Contains("1–25 of 120", page.Find("[data-testid=lease-total]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Lists.LeaseRequests);
        await page.Find("[data-testid=lease-pages] [aria-label='Page 5']").ClickAsync(new());

        Assert.EndsWith("page=4", nav.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Equal("101", page.FindAll("[data-testid=lease-row]")[0].GetAttribute("data-job-id")));
        Assert.Equal(20, page.FindAll("[data-testid=lease-row]").Count);
        Assert.Contains("101–120 of 120", page.Find("[data-testid=lease-total]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShowsUnknownStateAsText()
    {
        State.Set(Snapshots.Healthy(Snapshots.Create(states: [new("<script>alert(1)</script>", 2, false)])));

        var page = Render<OverviewPage>();

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("script"));
    }

    [Fact]
    public void Render_ShowsHostileKindAndHolderAsText()
    {
        var snapshot = Snapshots.Create(
            kinds: [Snapshots.Kind("<img src=x onerror=alert(1)>", paused: true)],
            processing: [Snapshots.Lease(1, "<b>evil</b>:1", TimeSpan.FromSeconds(5), stuck: false)]);
        State.Set(Snapshots.Healthy(snapshot));

        var page = Render<OverviewPage>();

        Assert.Empty(page.FindAll("img[onerror]"));
        Assert.Empty(page.FindAll("[data-testid=lease-table] b"));
        Assert.Contains("&lt;b&gt;evil&lt;/b&gt;:1", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShowsUnreachableBanner_AndKeepsLastData()
    {
        var last = Snapshots.Create();
        State.Set(new FeedState(last, "Connection refused", Snapshots.Now));

        var page = Render<OverviewPage>();

        var banner = page.Find("[data-testid=database-banner]");
        Assert.Contains("Database unreachable", banner.TextContent, StringComparison.Ordinal);
        Assert.Contains("Connection refused", banner.TextContent, StringComparison.Ordinal);
        Assert.Contains("as of 12:00:00", banner.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(page.FindAll("[data-testid=state-queued]"));
    }

    [Fact]
    public async Task Render_RemovesBanner_WhenDatabaseRecovers()
    {
        State.Set(new FeedState(null, "Connection refused", Snapshots.Now));
        var page = Render<OverviewPage>();
        Assert.NotEmpty(page.FindAll("[data-testid=database-banner]"));

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create()));

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=database-banner]")));
    }

    [Fact]
    public void Render_ShowsIntakePaused_WithWhoAndWhy()
    {
        var snapshot = Snapshots.Create(intake: new IntakeStatus(false, "deploy-bot", Snapshots.Now.AddMinutes(-3), "deploy 142 <img src=x onerror=alert(1)>"));
        State.Set(Snapshots.Healthy(snapshot));

        var page = Render<OverviewPage>();

        var intake = page.Find("[data-testid=intake]").TextContent;
        Assert.Contains("Intake is paused", intake, StringComparison.Ordinal);
        Assert.Contains("deploy-bot", intake, StringComparison.Ordinal);
        Assert.Contains("deploy 142 <img src=x onerror=alert(1)>", intake, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=intake] img"));
    }

    [Fact]
    public async Task Render_HighlightsACount_WhenItChanges()
    {
        var page = Render<OverviewPage>();
        Assert.DoesNotContain("changed", page.Find("[data-testid=state-queued] .count").ClassName, StringComparison.Ordinal);

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(states: [new("queued", 15, false)])));

        page.WaitForAssertion(() => Assert.Contains("changed", page.Find("[data-testid=state-queued] .count").ClassName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_HighlightsAKindsCount_WhenItChanges_AndOnlyThatOne()
    {
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", 3, false), new StateCount("failed", 1, false))])));
        var page = Render<OverviewPage>();
        Assert.Empty(page.FindAll("[data-testid=kind-row] .count.changed"));

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", 4, false), new StateCount("failed", 1, false))])));

        page.WaitForAssertion(() =>
        {
            var changed = page.FindAll("[data-testid=kind-row] .count.changed");
            Assert.Equal("4", Assert.Single(changed).TextContent);
        });
    }

    [Fact]
    public void Render_WritesTableCellsIntoTheTable_NotOneComponentPerCell()
    {
        // Every open tab keeps each component's state and render buffers on the server: a full page of rows must
        // not cost a component per cell (issue 18: memory per viewer).
        var kinds = Enumerable.Range(0, 50).Select(i => Snapshots.Kind($"kind-{i:00}", i % 2 == 0, new StateCount("queued", i, false))).ToList();
        var leases = Enumerable.Range(0, 50).Select(i => Snapshots.Lease(i + 1, $"w{i}", TimeSpan.FromMinutes(i), stuck: i % 3 == 0)).ToList();
        var workers = Enumerable.Range(0, 50).Select(i => Snapshots.Worker($"w{i}:1", alive: i % 4 != 0, inFlight: 1)).ToList();
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: kinds, processing: leases, workers: workers)));

        var page = Render<OverviewPage>();

        // Kinds, leases and workers come 25 to a page (what fits a screen), the rest a page link away.
        Assert.Equal(25, page.FindAll("[data-testid=kind-row]").Count);
        Assert.Equal(25, page.FindAll("[data-testid=lease-row]").Count);
        Assert.Equal(25, page.FindAll("[data-testid=worker-row]").Count);
        Assert.Equal(13, page.FindAll("[data-testid=kind-row] .mud-chip-color-warning").Count);
        Assert.Empty(page.FindComponents<AgeText>());
        Assert.Empty(page.FindComponents<MudBlazor.MudChip<string>>());
        Assert.NotEmpty(page.FindAll("[data-testid=kind-row] [data-testid=pause-kind]"));
        Assert.True(page.FindComponents<MudBlazor.MudButton>().Count <= 2, "only the live toggle and the intake's button are MudButtons, none per row");
        Assert.Empty(page.FindComponents<MudBlazor.MudPagination>());
        Assert.Empty(page.FindComponents<MudBlazor.MudText>());
    }

    [Theory]
    [InlineData(7, 3, "1 2 3 4 5 6 7")]
    [InlineData(44, 1, "1 2 3 4 5 6 … 43 44")]
    [InlineData(44, 21, "1 2 … 20 21 22 … 43 44")]
    [InlineData(44, 44, "1 2 … 39 40 41 42 43 44")]
    public void PageLinks_ShowTheEnds_AndTheCurrentPageWithItsNeighbours(int count, int selected, string shown) =>
        Assert.Equal(shown, string.Join(' ', Pagination.Shown(count, selected).Select(n => n == 0 ? "…" : n.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    [Fact]
    public async Task PageLinks_ReachEveryPage_OfAThousandKinds()
    {
        var kinds = Enumerable.Range(0, 1000).Select(i => Snapshots.Kind($"kind.{i:0000}")).ToList();
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: kinds)));
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        var page = Render<OverviewPage>();

        var links = page.Find("[data-testid=kind-pages]");
        Assert.Equal("Current page 1", links.QuerySelector("[aria-current=page]")!.GetAttribute("aria-label"));
        Assert.True(links.QuerySelector("[aria-label='Previous page']")!.HasAttribute("disabled"));
        await links.QuerySelector("[aria-label='Page 40']")!.ClickAsync(new());

        Assert.EndsWith("kpage=39", nav.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Equal("kind.0975", page.FindAll("[data-testid=kind-row]")[0].GetAttribute("data-kind")));
        Assert.True(page.Find("[data-testid=kind-pages] [aria-label='Next page']").HasAttribute("disabled"));
        await page.Find("[data-testid=kind-pages] [aria-label='Previous page']").ClickAsync(new());
        Assert.EndsWith("kpage=38", nav.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Freeze_KeepsTheViewStill_UntilResumed()
    {
        var page = Render<OverviewPage>();
        await page.Find("[data-testid=live-toggle]").ClickAsync(new());

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(states: [new("queued", 77, false)])));
        page.WaitForAssertion(() => Assert.Contains("updates waiting", page.Find("[data-testid=live-toggle]").TextContent, StringComparison.Ordinal));
        var whileFrozen = page.Find("[data-testid=state-queued]").TextContent;
        await page.Find("[data-testid=live-toggle]").ClickAsync(new());

        Assert.Contains("14", whileFrozen, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Contains("77", page.Find("[data-testid=state-queued]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void QuietFeed_DrawsNothingForTheClock_TheBrowserMovesAgesAndTheAsOfTime()
    {
        // Every open tab is a circuit on the server: between changes a page costs nothing. Ages carry their start and
        // their table the time it was drawn, and the "as of" time its Unix milliseconds, all on the database's clock, for
        // the browser to move on (live.js).
        var lease = Snapshots.Lease(7, "w1:1", TimeSpan.FromSeconds(75), stuck: false);
        State.Set(Snapshots.Healthy(Snapshots.Create(processing: [lease], workers: [Snapshots.Worker("w1:1", inFlight: 1)])));
        var page = Render<OverviewPage>();
        var age = page.Find("[data-testid=lease-row] .age[data-since]");
        Assert.Equal(Snapshots.Now.AddSeconds(-75).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), age.GetAttribute("data-since"));
        Assert.Equal(Snapshots.Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), page.Find("[data-testid=lease-table]").GetAttribute("data-now"));
        Assert.Equal("1m 15s", age.TextContent);
        Assert.Equal(Snapshots.Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), page.Find("[data-testid=as-of] [data-clock]").GetAttribute("data-clock"));
        Assert.Equal("as of 12:00:00 UTC", page.Find("[data-testid=as-of]").TextContent);
        var renders = page.RenderCount;

        State.MarkRead(Snapshots.Now.AddSeconds(4));
        for (var second = 0; second < 10; second++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(renders, page.RenderCount);
    }

    [Fact]
    public void Ages_CountFromTheLastRead_NotFromTheSnapshotsOwnTime()
    {
        // A quiet feed reads on without publishing: a tab opened 30 s after the last change shows ages as of now.
        var lease = Snapshots.Lease(7, "w1:1", TimeSpan.FromSeconds(75), stuck: false);
        State.Set(Snapshots.Healthy(Snapshots.Create(processing: [lease])));
        State.MarkRead(Snapshots.Now.AddSeconds(30));

        var page = Render<OverviewPage>();

        Assert.Equal("1m 45s", page.Find("[data-testid=lease-row] .age").TextContent);
        Assert.Equal(Snapshots.Now.AddSeconds(30).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), page.Find("[data-testid=lease-table]").GetAttribute("data-now"));
    }

    [Fact]
    public async Task NewSnapshot_DrawsOnlyTheTablesWhoseRowsChanged()
    {
        // A change redraws what it changed, in every open tab; a table whose rows are the same instances (the loop's
        // Reusing keeps them) is not drawn again, and its ages keep moving in the browser from their start.
        // More leases than a page: the first page is cut from the snapshot's list.
        DashboardSnapshot Read(long queued) => Snapshots.Create(
            kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", queued, false)), Snapshots.Kind("pdf.render")],
            processing: [Snapshots.Lease(7, "w1:1", TimeSpan.FromSeconds(75), stuck: true), .. Enumerable.Range(100, 30).Select(id => Snapshots.Lease(id, "w1:1", TimeSpan.FromSeconds(5), stuck: false))],
            workers: [Snapshots.Worker("w1:1", inFlight: 1)]);
        var first = Read(14);
        State.Set(Snapshots.Healthy(first));
        var page = Render<OverviewPage>();
        var (leases, workers, kinds) = (page.FindComponent<LeaseTable>(), page.FindComponent<WorkerTable>(), page.FindComponent<KindTable>());
        var drawn = (leases.RenderCount, workers.RenderCount, kinds.RenderCount);
        var others = new IRenderedComponent<Microsoft.AspNetCore.Components.IComponent>[]
        {
            page.FindComponent<StateCountCards>(), page.FindComponent<IntakeBanner>(), page.FindComponent<LiveToggle>(), page.FindComponent<DatabaseBanner>(),
        }.Concat(page.FindComponents<Pager>()).ToList();
        var othersDrawn = others.Select(c => c.RenderCount).ToList();

        var second = Read(15).Reusing(first);
        Clock.Advance(TimeSpan.FromSeconds(3));
        await State.PublishAsync(Snapshots.Healthy(second with { TakenAt = Snapshots.Now.AddSeconds(3) }));

        page.WaitForAssertion(() => Assert.Contains("15", page.Find("[data-kind='email.send']").TextContent, StringComparison.Ordinal));
        Assert.Same(first.Processing, second.Processing);
        Assert.Same(first.Kinds[1], second.Kinds[1]);
        Assert.Equal((drawn.Item1, drawn.Item2, drawn.Item3 + 1), (leases.RenderCount, workers.RenderCount, kinds.RenderCount));
        Assert.Equal(othersDrawn, others.Select(c => c.RenderCount));
        Assert.Equal("1m 15s", page.Find("[data-testid=lease-row] .age").TextContent);

        // A row that changed is drawn with the time of the table's new drawing.
        await State.PublishAsync(Snapshots.Healthy(Read(15).Reusing(second) with
        {
            TakenAt = Snapshots.Now.AddSeconds(4),
            Processing = [Snapshots.Lease(8, "w1:1", TimeSpan.FromSeconds(10), stuck: false) with { LeasedAt = Snapshots.Now.AddSeconds(-6) }],
        }));
        page.WaitForAssertion(() => Assert.Equal("8", page.Find("[data-testid=lease-row]").GetAttribute("data-job-id")));
        Assert.Equal(drawn.Item1 + 1, leases.RenderCount);
        Assert.Equal(Snapshots.Now.AddSeconds(4).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), page.Find("[data-testid=lease-table]").GetAttribute("data-now"));
        Assert.Equal("10s", page.Find("[data-testid=lease-row] .age").TextContent);
    }

    [Fact]
    public async Task NewSnapshot_KeepsTheButtonsOfRowsThatDidNotChange()
    {
        // A button whose handler is new at every drawing is a new event handler id, an edit in the message to every
        // open tab and a new binding in its browser: in a table drawn again for one row, the other rows keep theirs.
        DashboardSnapshot Read(long queued, int attempts) => Snapshots.Create(
            kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", queued, false)), Snapshots.StuckKind("pdf.render", 2)],
            processing: [Snapshots.Lease(7, "w1:1", TimeSpan.FromMinutes(9), stuck: true), Snapshots.Lease(8, "w2:1", TimeSpan.FromMinutes(9), stuck: true) with { Attempts = attempts }],
            workers: [Snapshots.Worker("w1:1", alive: false, inFlight: 1), Snapshots.Worker("w2:1", alive: false, inFlight: attempts)]);
        var first = Read(14, 1);
        State.Set(Snapshots.Healthy(first));
        var page = Render<OverviewPage>();
        string[] Handlers() =>
        [
            .. new[]
            {
                "[data-kind='pdf.render'] [data-testid=pause-kind]", "[data-kind='pdf.render'] [data-testid=release-kind-stuck]",
                "[data-job-id='7'] [data-testid=release-lease]", "[data-worker='w1:1'] [data-testid=drain-worker]",
                "[data-worker='w1:1'] [data-testid=release-worker-leases]", "[data-kind='email.send'] [data-testid=pause-kind]",
                "[data-job-id='8'] [data-testid=release-lease]", "[data-worker='w2:1'] [data-testid=drain-worker]",
            }.Select(button => page.Find(button).GetAttribute("blazor:onclick") ?? "none"),
        ];
        var before = Handlers();

        await State.PublishAsync(Snapshots.Healthy(Read(15, 2).Reusing(first)));

        page.WaitForAssertion(() => Assert.Contains("15", page.Find("[data-kind='email.send']").TextContent, StringComparison.Ordinal));
        var after = Handlers();
        Assert.Equal(before[..5], after[..5]);
        Assert.All(before[5..].Zip(after[5..]), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public async Task NewSnapshot_WithNewTrends_IsDrawnOnce()
    {
        // Every open tab rereads the trends with a change when they are a few seconds old: when the instance's cache
        // hands them back at once, they are drawn with the change, not in a drawing of their own.
        State.Set(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send")])));
        var page = Render<OverviewPage>();
        var drawn = page.RenderCount;
        History.LastHour["email.send"] = [new HistoryPoint("email.send", Snapshots.Now.AddMinutes(-1), 3, 0, 0, 5, 12, 1, 0, 0, 2, null, null, null, null)];
        Clock.Advance(HistoryCache.MaxAge);

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(kinds: [Snapshots.Kind("email.send", false, new StateCount("queued", 3, false))])));

        page.WaitForAssertion(() => Assert.Contains("3", page.Find("[data-kind='email.send']").TextContent, StringComparison.Ordinal));
        Assert.NotEmpty(page.FindAll("[data-kind='email.send'] .kind-trend svg"));
        Assert.Equal(drawn + 1, page.RenderCount);
    }

    [Fact]
    public async Task DatabaseOutage_StopsTheAsOfTime_AtTheLastRead()
    {
        var page = Render<OverviewPage>();
        Assert.NotEmpty(page.FindAll("[data-testid=as-of] [data-clock]"));

        await State.PublishAsync(new FeedState(State.Current.Snapshot, "connection refused", Snapshots.Now));

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=as-of] [data-clock]")));
        Assert.Equal("as of 12:00:00 UTC", page.Find("[data-testid=as-of]").TextContent);
    }

    [Fact]
    public async Task Freeze_KeepsItsAsOfTime_WhileNewerReadsArrive()
    {
        var page = Render<OverviewPage>();
        Assert.Contains("12:00:00", page.Find("[data-testid=as-of]").TextContent, StringComparison.Ordinal);
        await page.Find("[data-testid=live-toggle]").ClickAsync(new());

        await State.PublishAsync(Snapshots.Healthy(Snapshots.Create(states: [new("queued", 77, false)]) with { TakenAt = Snapshots.Now.AddMinutes(3) }));

        page.WaitForAssertion(() => Assert.Contains("updates waiting", page.Find("[data-testid=live-toggle]").TextContent, StringComparison.Ordinal));
        State.MarkRead(Snapshots.Now.AddMinutes(4));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("12:00:00", page.Find("[data-testid=as-of]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=as-of] [data-clock]"));
        await page.Find("[data-testid=live-toggle]").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Contains("12:04:00", page.Find("[data-testid=as-of]").TextContent, StringComparison.Ordinal));
    }
}
