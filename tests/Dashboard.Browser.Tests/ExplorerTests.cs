using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>The incident path through the jobs explorer in a real browser, with a real worker.</summary>
public sealed class ExplorerTests(DashboardApp app, BrowserFixture browser) : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public async Task InitializeAsync() =>
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;");

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task FindFailedJobByItsError_ReadHistory_Retry_AndSeeAWorkerFinishIt()
    {
        // Arrange: one job failed for good with a history, among failures with other errors.
        await app.Database.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, attempts, max_attempts, payload, last_error, leased_by, finished_at)
            SELECT 'browser.mail', 'failed', 5, 5, jsonb_build_object('n', g), 'connection refused (' || g || ')', 'web-1:11', now()
            FROM generate_series(1, 30) g;
            """);
        var id = await app.Database.ScalarAsync<long>(
            """
            INSERT INTO jobs (kind, state, attempts, max_attempts, payload, last_error, leased_by, finished_at, error_history)
            VALUES ('browser.mail', 'failed', 2, 2, '{"to": "ann@example.com", "smtp_password": "hunter2"}',
                    'SMTP 451 greylisted by mx.example.org', 'web-2:22', now(),
                    '[{"at": "2026-11-30T03:00:00Z", "attempt": 1, "worker": "web-1:11", "error": "SMTP 421 too many connections"},
                      {"at": "2026-11-30T03:05:00Z", "attempt": 2, "worker": "web-2:22", "error": "SMTP 451 greylisted by mx.example.org"}]')
            RETURNING id
            """);
        var page = await SignInAsync(Roles.Operator);

        // Act: find it by a word of its error.
        await page.GotoAsync("/jobs");
        await page.Locator("[data-testid=filter-q] input, input[data-testid=filter-q]").FillAsync("greylisted");
        await page.Locator("[data-testid=apply-filter]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("q=greylisted"));
        var rows = page.Locator("[data-testid=job-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=jobs-count]")).ToHaveTextAsync("1 matching job");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("jobs.png"), FullPage = true });
        var listUrl = page.Url;

        // Open it and read its history; the secret in the payload is masked for an operator.
        await rows.Locator("[data-testid=job-link]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-history-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=job-history-row]").First).ToContainTextAsync("greylisted");
        await Assertions.Expect(page.Locator("[data-testid=job-history-row]").Last).ToContainTextAsync("too many connections");
        await Assertions.Expect(page.Locator("[data-testid=job-payload]")).ToContainTextAsync("ann@example.com");
        await Assertions.Expect(page.Locator("[data-testid=job-payload]")).Not.ToContainTextAsync("hunter2");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("job.png"), FullPage = true });

        // Retry it with a reason while a real worker runs the kind.
        await using var fleet = await WorkerFleet.StartAsync(app.Database.ConnectionString, "browser-explorer:1");
        await page.Locator("[data-testid=job-retry]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog.Locator("[data-testid=preview-summary]")).ToContainTextAsync($"retries job {id}");
        await dialog.Locator("textarea").FillAsync("mx greylisting lifted, INC-88");
        await dialog.Locator("[data-testid=confirm]").ClickAsync();

        // Assert: the page follows the job until the worker has finished it; the action is audited on the page.
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Done");
        await Assertions.Expect(page.Locator("[data-testid=job-state-text]")).ToHaveTextAsync("done", new() { Timeout = BrowserFixture.Patience });
        await Assertions.Expect(page.Locator("[data-testid=job-audit-row]")).ToContainTextAsync("mx greylisting lifted, INC-88");
        Assert.Equal("done", await app.Database.ScalarAsync<string>("SELECT state FROM jobs WHERE id = @Id", new { Id = id }));
        Assert.Equal("browser-explorer:1", await app.Database.ScalarAsync<string>("SELECT leased_by FROM jobs WHERE id = @Id", new { Id = id }));

        // A pasted list URL reproduces the view for someone else.
        var other = await SignInAsync(Roles.Viewer);
        await other.GotoAsync(listUrl);
        await Assertions.Expect(other.Locator("[data-testid=filter-q] input, input[data-testid=filter-q]")).ToHaveValueAsync("greylisted");
        await Assertions.Expect(other.Locator("[data-testid=job-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(other.Locator("[data-testid=job-row]")).ToHaveAttributeAsync("data-id", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Enter in a field applies the form: the failed ones of the kind (the retried job is done now).
        await other.Locator("input[data-testid=filter-q]").FillAsync("");
        await other.Locator("select[data-testid=filter-state]").SelectOptionAsync("failed");
        await other.Locator("input[data-testid=filter-kind]").FillAsync("browser.mail");
        await other.Locator("input[data-testid=filter-kind]").PressAsync("Enter");
        await Assertions.Expect(other).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("state=failed&kind=browser.mail$"));
        await Assertions.Expect(other.Locator("[data-testid=jobs-count]")).ToHaveTextAsync("30 matching jobs");
        await Assertions.Expect(other.Locator("[data-testid=job-row]")).ToHaveCountAsync(30);
    }

    private async Task<IPage> SignInAsync(string role)
    {
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", role);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(role));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        return page;
    }
}
