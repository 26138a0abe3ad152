using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Tests.Shared;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Dashboard.Browser.Tests;

/// <summary>
/// How the console feels in a real Chromium: page weight and caching, accessibility (axe-core) on every page in both
/// themes, phone width, keyboard, the theme choice and the frozen view.
/// </summary>
public sealed partial class ExperienceTests(DashboardApp app, BrowserFixture browser, ITestOutputHelper output)
    : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public async Task InitializeAsync() =>
        await app.Database.PsqlAsync("""
            DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;
            INSERT INTO jobs (kind, state) SELECT 'billing.invoice-reconciliation-nightly', 'queued' FROM generate_series(1, 12);
            INSERT INTO jobs (kind, state) SELECT 'email.send', 'done' FROM generate_series(1, 30);
            INSERT INTO jobs (kind, state, leased_by, leased_at, lease_token)
                VALUES ('webhook.deliver', 'processing', 'web-7.prod.example.internal:4242', now() - interval '20 minutes', gen_random_uuid());
            INSERT INTO job_kinds (kind, paused, paused_by, paused_at, pause_reason) VALUES ('report.build', true, 'alice', now(), 'reindex');
            INSERT INTO jobs (kind, state) VALUES ('report.build', 'paused');
            INSERT INTO workers (id, host, pid, kinds) VALUES ('web-7.prod.example.internal:4242', 'web-7.prod.example.internal', 4242, '{webhook.deliver}');
            """);

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task Overview_FirstLoadIsUnder400KB_AndAReloadDownloadsNoFingerprintedAssetAgain()
    {
        var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        var traffic = await NetworkLog.StartAsync(context, page);

        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", Roles.Operator);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Operator));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var first = traffic.TakeAll();

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var reload = traffic.TakeAll();

        var report = new List<string>
        {
            $"first load (sign-in + overview): {first.Sum(r => r.Bytes):N0} bytes over {first.Count} requests",
            $"reload: {reload.Sum(r => r.Bytes):N0} bytes over {reload.Count} requests",
        };
        report.AddRange(first.Concat(reload).Select(r => $"  {r.Status} {r.Bytes,9:N0} {(r.FromCache ? "cache" : "net  ")} {r.Encoding,-4} {r.Url}"));
        report.ForEach(output.WriteLine);
        await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "page-weight.txt"), report);

        Assert.True(first.Sum(r => r.Bytes) < 400_000, $"first load transferred {first.Sum(r => r.Bytes):N0} bytes");
        var assets = first.Where(r => Regex.IsMatch(new Uri(r.Url).AbsolutePath, @"\.(css|js)$")).ToList();
        Assert.NotEmpty(assets);
        Assert.All(assets, r => Assert.Matches(Fingerprinted(), new Uri(r.Url).AbsolutePath));
        Assert.All(assets.Where(r => r.Bytes > 10_000), r => Assert.True(r.Encoding is "br" or "gzip", $"{r.Url} sent as '{r.Encoding}'"));
        var again = reload.Where(r => Fingerprinted().IsMatch(new Uri(r.Url).AbsolutePath)).ToList();
        Assert.NotEmpty(again);
        Assert.All(again, r => Assert.True(r.FromCache || r.Status == 304, $"{r.Url} downloaded again ({r.Status}, {r.Bytes} bytes)"));
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task EveryPage_HasNoSeriousAccessibilityViolations(string scheme)
    {
        var context = await NewContextAsync(colorScheme: scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light);
        var page = await ConsolePages.SignInAsync(context, Roles.Admin);
        var problems = new List<string>();

        foreach (var template in ConsolePages.Templates)
        {
            await page.GotoAsync(ConsolePages.UrlOf(template, await SamplesAsync()));
            await ConsolePages.SettledAsync(page);
            if (await ConsolePages.LooksDarkAsync(page) != (scheme == "dark"))
            {
                problems.Add($"{template} ({scheme}) is not shown in the {scheme} theme");
            }

            var result = await page.RunAxe();
            output.WriteLine($"{template} ({scheme}): {result.Violations.Length} violations, {result.Passes.Length} rules passed");
            problems.AddRange(result.Violations
                .Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{template} ({scheme}) {v.Impact} {v.Id}: {v.Help} at {string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Html} ({string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))})"))}"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task PhoneWidth_ReachesEveryPage_WithoutSidewaysScrolling_AndSignsOut()
    {
        var context = await NewContextAsync(width: 390, height: 844);
        var page = await ConsolePages.SignInAsync(context, Roles.Admin);

        // Every console page without a parameter is in the navigation; pages with one are reached from a list.
        var unreachable = ConsolePages.Templates
            .Where(t => ConsolePages.IsConsolePage(t) && !t.Contains('{', StringComparison.Ordinal))
            .Where(t => !NavItems.All.Any(i => "/" + i.Href == t))
            .ToList();
        Assert.True(unreachable.Count == 0, $"pages missing from the navigation (NavItems.All): {string.Join(", ", unreachable)}");

        foreach (var item in NavItems.All)
        {
            await page.Locator("[data-testid=nav-menu]").ClickAsync();
            await page.Locator($"[data-testid=drawer-{item.TestId}]").ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($"{Regex.Escape(app.BaseAddress.ToString().TrimEnd('/'))}/{Regex.Escape(item.Href)}$"));
            await ConsolePages.SettledAsync(page);
            await AssertFitsAsync(page, item.Href);
        }

        foreach (var template in ConsolePages.Templates.Where(t => t.Contains('{', StringComparison.Ordinal)))
        {
            await page.GotoAsync(ConsolePages.UrlOf(template, await SamplesAsync()));
            await ConsolePages.SettledAsync(page);
            await AssertFitsAsync(page, template);
        }

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("[data-testid=kind-row][data-kind='billing.invoice-reconciliation-nightly']")).ToBeVisibleAsync();
        Assert.Equal(1, await LineCountAsync(page, "[data-testid=kind-row][data-kind='billing.invoice-reconciliation-nightly'] td"));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-overview.png") });

        await page.Locator("[data-testid=nav-menu]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=drawer-signed-in-as] .mono")).ToBeVisibleAsync();
        Assert.Equal(1, await LineCountAsync(page, "[data-testid=drawer-signed-in-as] .mono"));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-navigation.png") });
        await page.Locator("[data-testid=drawer-signout]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?signedOut=1"));
    }

    [Fact]
    public async Task Escape_ClosesTheConfirmation_AndFocusReturnsToTheButton_WhichShowsAFocusRing()
    {
        var context = await NewContextAsync();
        var page = await ConsolePages.SignInAsync(context, Roles.Operator);
        var pause = page.Locator("[data-testid=kind-row][data-kind='email.send'] [data-testid=pause-kind]");

        // Reached by keyboard, as someone without a mouse would.
        for (var i = 0; i < 100 && !await pause.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await Assertions.Expect(pause).ToBeFocusedAsync();
        var outline = await pause.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth");
        Assert.StartsWith("solid", outline, StringComparison.Ordinal);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".mud-dialog [data-testid=preview-summary]")).ToContainTextAsync("email.send");
        Assert.DoesNotContain("`", await page.Locator(".mud-dialog [data-testid=preview-summary]").TextContentAsync() ?? "", StringComparison.Ordinal);
        // The dialog listens for Escape once the server has hooked up its key handler, a round trip after it shows;
        // on a loaded machine a first press can come before that, and a person would press again.
        var dialogs = page.Locator(".mud-dialog");
        await EventuallyAsync(
            async () =>
            {
                await page.Keyboard.PressAsync("Escape");
                return await dialogs.CountAsync() == 0 || await WaitGoneAsync(dialogs);
            },
            gone => gone);

        await Assertions.Expect(dialogs).ToHaveCountAsync(0);
        await Assertions.Expect(pause).ToBeFocusedAsync();
        Assert.Equal(0, await app.Database.ScalarAsync<long>("SELECT count(*) FROM job_kinds WHERE kind = 'email.send' AND paused"));
    }

    [Fact]
    public async Task ResultMessage_IsPlainText_AndLeavesThePageHeaderClear()
    {
        var context = await NewContextAsync();
        var page = await ConsolePages.SignInAsync(context, Roles.Operator);

        await page.Locator("[data-testid=kind-row][data-kind='email.send'] [data-testid=pause-kind]").ClickAsync();
        await page.Locator(".mud-dialog textarea").FillAsync("maintenance window");
        await page.Locator(".mud-dialog [data-testid=confirm]").ClickAsync();

        var toast = page.Locator(".mud-snackbar");
        await Assertions.Expect(toast).ToContainTextAsync("“email.send”");
        Assert.DoesNotContain("`", await toast.TextContentAsync() ?? "", StringComparison.Ordinal);
        var toastBox = await toast.BoundingBoxAsync();
        foreach (var header in new[] { "[data-testid=live-toggle]", "[data-testid=as-of]" })
        {
            var box = await page.Locator(header).BoundingBoxAsync();
            Assert.False(Overlaps(toastBox!, box!), $"the result message covers {header}");
        }
    }

    [Fact]
    public async Task Frozen_KeepsItsAsOfTime_UntilLiveAgain()
    {
        var context = await NewContextAsync();
        var page = await ConsolePages.SignInAsync(context, Roles.Operator);
        var asOf = page.Locator("[data-testid=as-of]");
        await page.Locator("[data-testid=live-toggle]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=live-toggle]")).ToContainTextAsync("Frozen");
        var frozenAt = await asOf.TextContentAsync();

        await app.Database.PsqlAsync("INSERT INTO jobs (kind) VALUES ('email.send')");
        await Assertions.Expect(page.Locator("[data-testid=live-toggle]")).ToContainTextAsync("updates waiting");
        // Wait until the console has read the database at a later second than the one shown, then until an age has
        // moved twice in the browser (once a second): the as-of's own once-a-second check has run by then, so a
        // moving "as of" would have moved. Ages move while frozen, as time does.
        await EventuallyAsync(() => Task.FromResult(AsOfText(app.Service<IDashboardState>().LastReadAt)), text => text != frozenAt);
        var age = page.Locator("[data-testid=kind-row][data-kind='billing.invoice-reconciliation-nightly'] .age[title]").First;
        for (var moves = 0; moves < 2; moves++)
        {
            var ageBefore = await age.TextContentAsync();
            await Assertions.Expect(age).Not.ToHaveTextAsync(ageBefore!);
        }

        Assert.Equal(frozenAt, await asOf.TextContentAsync());
        await page.Locator("[data-testid=live-toggle]").ClickAsync();
        await Assertions.Expect(asOf).Not.ToHaveTextAsync(frozenAt!);
    }

    [Fact]
    public async Task Ages_MoveInTheBrowser_WrittenAsTheServerWritesThem()
    {
        // The server writes an age with its start (data-since) in a table that carries the time it was drawn (data-now),
        // and the browser writes and moves its text (live.js): the two formats must agree, or an age would jump between
        // the server's text and the browser's.
        var page = await ConsolePages.SignInAsync(await NewContextAsync(), Roles.Viewer);
        long[] samples = [-5_000, 0, 999, 1_000, 59_999, 60_000, 61_000, 3_599_999, 3_600_000, 3_660_000, 86_399_999, 86_400_000, 90_061_000, 400 * 86_400_000L];
        foreach (var ms in samples)
        {
            Assert.Equal(Dashboard.Web.Formatting.Age(TimeSpan.FromMilliseconds(ms)), await page.EvaluateAsync<string>("ms => window.dashboardAges.format(ms)", ms));
        }

        foreach (var at in new[] { DateTimeOffset.UnixEpoch, new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero) })
        {
            Assert.Equal(Dashboard.Web.Formatting.Clock(at), await page.EvaluateAsync<string>("ms => window.dashboardAges.clock(ms)", at.ToUnixTimeMilliseconds()));
        }

        // The "as of" time moves with the browser's clock while the console reads.
        var asOf = page.Locator("[data-testid=as-of] [data-clock]");
        var asOfBefore = await asOf.TextContentAsync();
        await Assertions.Expect(asOf).Not.ToHaveTextAsync(asOfBefore!);

        // The lease began 20 minutes ago: the browser counts on from the table's time, by its own elapsed time.
        var age = page.Locator("[data-testid=lease-row] .age[data-since]").First;
        var since = long.Parse((await age.GetAttributeAsync("data-since"))!, CultureInfo.InvariantCulture);
        var drawn = long.Parse((await page.Locator("[data-testid=lease-table]").GetAttributeAsync("data-now"))!, CultureInfo.InvariantCulture);
        Assert.InRange(drawn - since, 20 * 60_000L, 30 * 60_000L);
        var before = await age.TextContentAsync();
        await Assertions.Expect(age).Not.ToHaveTextAsync(before!);
        Assert.Matches(new Regex("^2[0-9]m [0-5][0-9]s$"), await age.TextContentAsync());

        // A tab in the background moves nothing, however much time passes (its ticks do no work), and is up to date the
        // moment it shows again. Headless Chromium never hides a tab, so the test says it is hidden.
        var moves = await age.EvaluateAsync<string[]>("""
            async el => {
                let hidden = true;
                Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
                const before = el.textContent;
                await new Promise(resolve => setTimeout(resolve, 1100));
                window.dashboardAges.tick();
                const whileHidden = el.textContent;
                hidden = false;
                document.dispatchEvent(new Event("visibilitychange"));
                return [before, whileHidden, el.textContent];
            }
            """);
        Assert.Equal(moves[0], moves[1]);
        Assert.NotEqual(moves[1], moves[2]);
    }

    [Fact]
    public async Task Age_InARowFirstDrawnEarlier_ShowsTheAgeNow()
    {
        // A row's markup is built once, when a tab first draws it, and shared by every tab after; its text is the age
        // then. A tab that opens later must show the age now, from its first frame, not once its clock ticks.
        var context = await NewContextAsync();
        var first = await ConsolePages.SignInAsync(context, Roles.Viewer);
        var age = first.Locator("[data-testid=lease-row] .age[data-since]").First;
        for (var moves = 0; moves < 2; moves++)
        {
            var before = await age.TextContentAsync();
            await Assertions.Expect(age).Not.ToHaveTextAsync(before!);
        }

        var later = await context.NewPageAsync();
        await later.AddInitScriptAsync("""
            window.firstAge = new Promise(resolve => new MutationObserver((records, observer) => {
                const el = document.querySelector("[data-testid=lease-row] .age[data-since]");
                if (!el) return;
                observer.disconnect();
                // The table's time as the age is inserted (the table may be drawn again before the frame).
                const drawn = el.closest("[data-now]").getAttribute("data-now");
                const inserted = performance.now();
                requestAnimationFrame(() => resolve([el.textContent, el.getAttribute("data-since"), drawn, String(Math.ceil(performance.now() - inserted))]));
            }).observe(document, { subtree: true, childList: true }));
            """);
        await later.GotoAsync("/");
        var shown = await later.EvaluateAsync<string[]>("window.firstAge");

        // The age at the table's time, or later by the time until that frame (a busy machine may tick in between):
        // never the earlier age the shared markup was first written with.
        var drawnAge = long.Parse(shown[2], CultureInfo.InvariantCulture) - long.Parse(shown[1], CultureInfo.InvariantCulture);
        var untilFrame = long.Parse(shown[3], CultureInfo.InvariantCulture);
        var allowed = Enumerable.Range(0, (int)(untilFrame / 1_000) + 2)
            .Select(second => Dashboard.Web.Formatting.Age(TimeSpan.FromMilliseconds(drawnAge + (second * 1_000L))));
        Assert.Contains(shown[0], allowed);
    }

    [Fact]
    public async Task Circuit_IsCompressed_EachMessageOnItsOwn()
    {
        // With the compressor kept from message to message, every open tab would hold its own zlib state on the server.
        var context = await NewContextAsync();
        await ConsolePages.SignInAsync(context, Roles.Viewer);
        var page = await context.NewPageAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        var extensions = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("Network.webSocketHandshakeResponseReceived").OnEvent += (_, e) =>
        {
            foreach (var header in e!.Value.GetProperty("response").GetProperty("headers").EnumerateObject())
            {
                if (header.Name.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase))
                {
                    extensions.TrySetResult(header.Value.GetString() ?? "");
                }
            }
        };
        await cdp.SendAsync("Network.enable");

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        var negotiated = await extensions.Task.WaitAsync(TimeSpan.FromMilliseconds(BrowserFixture.Patience));
        Assert.Contains("permessage-deflate", negotiated, StringComparison.Ordinal);
        Assert.Contains("server_no_context_takeover", negotiated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedCount_LightsUp_AndGoesOutByItself()
    {
        var page = await ConsolePages.SignInAsync(await NewContextAsync(), Roles.Viewer);
        var queued = page.Locator("[data-testid=state-queued] .count");
        var before = await queued.TextContentAsync();

        // Note the highlight as it is written (it may be out again before a poll would see it), with its colour then.
        await page.EvaluateAsync("""
            () => {
                window.__lit = null;
                new MutationObserver((_, observer) => {
                    const lit = document.querySelector("[data-testid=state-queued] .count.changed");
                    if (lit) { window.__lit = getComputedStyle(lit).backgroundColor; observer.disconnect(); }
                }).observe(document.body, { subtree: true, childList: true, attributes: true });
            }
            """);
        await app.Database.PsqlAsync("INSERT INTO jobs (kind, state) VALUES ('email.send', 'queued')");

        await Assertions.Expect(queued).Not.ToHaveTextAsync(before!);
        var lit = await page.WaitForFunctionAsync("() => window.__lit");
        Assert.NotEqual("rgba(0, 0, 0, 0)", await lit.JsonValueAsync<string>());
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count.changed")).ToHaveCountAsync(0);
        Assert.Equal("rgba(0, 0, 0, 0)", await queued.EvaluateAsync<string>("el => getComputedStyle(el).backgroundColor"));
    }

    [Fact]
    public async Task Theme_FollowsTheSystem_AndAChoiceIsRemembered()
    {
        var darkSystem = await NewContextAsync(colorScheme: ColorScheme.Dark);
        Assert.True(await ConsolePages.LooksDarkAsync(await ConsolePages.SignInAsync(darkSystem, Roles.Viewer)));

        var context = await NewContextAsync(colorScheme: ColorScheme.Light);
        var page = await ConsolePages.SignInAsync(context, Roles.Viewer);
        Assert.False(await ConsolePages.LooksDarkAsync(page));
        await page.Locator("[data-testid=theme-menu] button").ClickAsync();
        await page.Locator("[data-testid=theme-dark]").ClickAsync();
        await Assertions.Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
        Assert.True(await ConsolePages.LooksDarkAsync(page));

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        Assert.True(await ConsolePages.LooksDarkAsync(page));
    }

    [Fact]
    public async Task AuditFilter_AppliesOnEnter()
    {
        using var client = app.NewClient();
        foreach (var reason in new[] { "needle in the haystack", "hay" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/health/jobs/pause") { Content = JsonContent(new { reason }) };
            request.Headers.Authorization = new("Bearer", DashboardApp.OperatorToken);
            (await client.SendAsync(request)).EnsureSuccessStatusCode();
        }

        var context = await NewContextAsync();
        var page = await ConsolePages.SignInAsync(context, Roles.Auditor);
        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("[data-testid=audit-row]", new() { HasText = "needle" })).ToBeVisibleAsync();

        await page.Locator("input[data-testid=filter-text], [data-testid=filter-text] input").FillAsync("needle");
        await page.Locator("input[data-testid=filter-text], [data-testid=filter-text] input").PressAsync("Enter");

        await Assertions.Expect(page.Locator("[data-testid=audit-count]")).ToHaveTextAsync("1 matching entries");
        await Assertions.Expect(page.Locator("[data-testid=audit-row]")).ToHaveCountAsync(1);
        await app.Database.PsqlAsync("UPDATE queue_control SET accepting = true");
    }

    private async Task<IBrowserContext> NewContextAsync(int width = 1400, int height = 1000, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = colorScheme,
        });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        _contexts.Add(context);
        return context;
    }

    /// <summary>Values for route parameters, by name, from rows that exist.</summary>
    private async Task<Dictionary<string, string>> SamplesAsync() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = (await app.Database.ScalarAsync<long>("SELECT id FROM jobs WHERE state = 'processing' ORDER BY id LIMIT 1")).ToString(CultureInfo.InvariantCulture),
        ["jobId"] = (await app.Database.ScalarAsync<long>("SELECT id FROM jobs WHERE state = 'processing' ORDER BY id LIMIT 1")).ToString(CultureInfo.InvariantCulture),
        ["kind"] = "webhook.deliver",
        ["workerId"] = "web-7.prod.example.internal:4242",
    };

    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"{what} is {width} px wide at 390 px");
        var appBar = await page.Locator(".mud-appbar").BoundingBoxAsync();
        Assert.True(appBar!.X + appBar.Width <= 390, $"the app bar of {what} ends at {appBar.X + appBar.Width} px");
    }

    /// <summary>How many lines the first text of an element takes.</summary>
    // Found and measured in one step: a row whose markup changed is replaced as a whole, so an element found before
    // may be gone by the time it is measured.
    private static Task<int> LineCountAsync(IPage page, string selector) =>
        page.EvaluateAsync<int>("""
            selector => {
              const e = document.querySelector(selector);
              const text = document.createTreeWalker(e, NodeFilter.SHOW_TEXT).nextNode();
              const range = document.createRange();
              range.selectNodeContents(text);
              return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            }
            """, selector);

    private static bool Overlaps(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;

    private static string? AsOfText(DateTimeOffset? at) =>
        at is { } t ? $"as of {t.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : null;

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private static async Task<bool> WaitGoneAsync(ILocator locator)
    {
        try
        {
            await Assertions.Expect(locator).ToHaveCountAsync(0, new() { Timeout = 2_000 });
            return true;
        }
        catch (PlaywrightException)
        {
            return false;
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(BrowserFixture.Patience);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"\.[a-z0-9]{8,16}\.(css|js|svg)$")]
    private static partial Regex Fingerprinted();
}
