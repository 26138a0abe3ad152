using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>The drain view's deploy readiness in a real browser: verdicts follow the grace period the user picks.</summary>
public sealed class ReadinessTests(DashboardApp app, BrowserFixture browser) : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // A deadline that only catches hangs: on a loaded 2-core machine a Blazor round trip can take seconds.
    private static readonly LocatorAssertionsToHaveTextOptions _text = new() { Timeout = BrowserFixture.Patience };

    private IBrowserContext _context = default!;

    public async Task InitializeAsync()
    {
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;");
        _context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(BrowserFixture.Patience);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task DrainView_VerdictsChange_WhenTheGracePeriodChanges()
    {
        await app.Database.PsqlAsync(
            """
            INSERT INTO job_kinds (kind, idempotent, checkpoints, max_run_time) VALUES
                ('payment.capture', false, false, NULL), ('video.transcode', false, true, NULL),
                ('cache.warm', true, false, NULL), ('webhook.deliver', true, false, interval '2 minutes');
            -- cache.warm's last runs took 5 minutes: a job 10 s in has about 4m50s left.
            INSERT INTO jobs (kind, state, leased_by, leased_at, finished_at, attempts)
            SELECT 'cache.warm', 'done', 'w:0', now() - interval '2 hours', now() - interval '2 hours' + interval '5 minutes', 1
            FROM generate_series(1, 20);
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts, progress, progress_at) VALUES
                ('payment.capture', 'processing', 'web-1:10', now() - interval '10 seconds', now(), gen_random_uuid(), 1, NULL, NULL),
                -- 90 % after 540 s: 60 s left.
                ('video.transcode', 'processing', 'web-1:10', now() - interval '600 seconds', now(), gen_random_uuid(), 1, 0.9,
                 now() - interval '60 seconds'),
                ('cache.warm', 'processing', 'web-2:20', now() - interval '10 seconds', now(), gen_random_uuid(), 1, NULL, NULL),
                ('webhook.deliver', 'processing', 'web-2:20', now() - interval '30 minutes', now(), gen_random_uuid(), 1, NULL, NULL);
            """);
        var page = await SignInAsync(Roles.Viewer);

        await page.GotoAsync("/drain");

        await ExpectCountsAsync(page, unsafeJobs: 1, overMax: 1, reruns: 1, resumes: 1, finishes: 0);
        await Assertions.Expect(page.Locator("[data-testid=readiness-row][data-verdict=resumes]")).ToContainTextAsync("resumes at 90 %", new() { Timeout = BrowserFixture.Patience });
        await Assertions.Expect(page.Locator("[data-testid=readiness-conclusion]")).ToContainTextAsync("would cut 1 job(s) mid-write", new() { Timeout = BrowserFixture.Patience });
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("drain-readiness.png"), FullPage = true });

        await page.Locator("[data-testid=grace-text] input, input#grace-period").First.FillAsync("2m");
        await page.Locator("input#grace-period").PressAsync("Enter");

        await ExpectCountsAsync(page, unsafeJobs: 1, overMax: 1, reruns: 1, resumes: 0, finishes: 1);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("grace=2m"), new() { Timeout = BrowserFixture.Patience });

        await page.Locator("[data-testid='grace-1h']").ClickAsync();

        await ExpectCountsAsync(page, unsafeJobs: 1, overMax: 1, reruns: 0, resumes: 0, finishes: 2);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("grace=1h"), new() { Timeout = BrowserFixture.Patience });

        // A pasted link reproduces the view; a bad one says so and shows the default.
        await page.GotoAsync("/drain?grace=2m");
        await ExpectCountsAsync(page, unsafeJobs: 1, overMax: 1, reruns: 1, resumes: 0, finishes: 1);
        await page.GotoAsync("/drain?grace=soon");
        await Assertions.Expect(page.Locator("[data-testid=grace-input]")).ToContainTextAsync("not a duration", new() { Timeout = BrowserFixture.Patience });
        await ExpectCountsAsync(page, unsafeJobs: 1, overMax: 1, reruns: 1, resumes: 1, finishes: 0);
    }

    private static async Task ExpectCountsAsync(IPage page, int unsafeJobs, int overMax, int reruns, int resumes, int finishes)
    {
        foreach (var (code, count) in new[] { ("unsafe", unsafeJobs), ("over_max", overMax), ("reruns", reruns), ("resumes", resumes), ("finishes", finishes) })
        {
            await Assertions.Expect(page.Locator($"[data-testid=verdict-{code}] .verdict-count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture), _text);
        }
    }

    private async Task<IPage> SignInAsync(string role)
    {
        var page = await _context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", role);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(role));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync(new() { Timeout = BrowserFixture.Patience });
        return page;
    }
}
