using Bunit.TestDoubles;
using Dashboard.Core.Audit;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>The jobs list and the job page with bunit, on a real database.</summary>
public sealed class JobsPagesTests : DashboardTestContext, IClassFixture<TestDatabase>
{
    private readonly TestDatabase _db;

    public JobsPagesTests(TestDatabase db)
    {
        // These pages read a real database: a generous deadline that only catches hangs on a loaded machine.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        _db = db;
        var queries = new JobQueries(db.Db);
        Services.AddSingleton(queries);
        Services.AddSingleton(new JobWatch(queries, new Dashboard.Core.Bulk.BulkOperationQueries(db.Db), Clock));
        Services.AddSingleton(new AuditQueries(db.Db));
        Services.AddSingleton(new JsonRedactor(JsonRedactor.DefaultKeys));
    }

    private async Task<long> JobAsync(string kind, string state, string payload = "{}", string? error = null) =>
        await _db.ScalarAsync<long>(
            "INSERT INTO jobs (kind, state, payload, last_error) VALUES (@Kind, @State, @Payload::jsonb, @Error) RETURNING id",
            new { Kind = kind, State = state, Payload = payload, Error = error });

    private IRenderedComponent<JobsPage> RenderList(string query)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/jobs" + query);
        return Render<JobsPage>();
    }

    [Fact]
    public async Task List_ShowsWhatTheUrlFilters_AndFillsTheForm()
    {
        var kind = $"k.{Guid.NewGuid():N}";
        var failed = await JobAsync(kind, "failed", error: "SMTP timeout talking to mx1");
        await JobAsync(kind, "done");
        await JobAsync("other", "failed", error: "SMTP timeout elsewhere");

        var page = RenderList($"?state=failed&kind={kind}&q=smtp+timeout");

        page.WaitForAssertion(() =>
        {
            var row = Assert.Single(page.FindAll("[data-testid=job-row]"));
            Assert.Equal(failed.ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetAttribute("data-id"));
            Assert.Equal("1 matching job", page.Find("[data-testid=jobs-count]").TextContent);
        });
        Assert.Equal(kind, page.Find("[data-testid=filter-kind] input, input[data-testid=filter-kind]").GetAttribute("value"));
        Assert.Equal("smtp timeout", page.Find("[data-testid=filter-q] input, input[data-testid=filter-q]").GetAttribute("value"));
    }

    [Fact]
    public async Task List_AppliesTheForm_ByNavigatingToItsUrl()
    {
        var kind = $"k.{Guid.NewGuid():N}";
        await JobAsync(kind, "queued", payload: """{"customer_id": 42}""");
        var page = RenderList("");

        page.Find("[data-testid=filter-kind] input, input[data-testid=filter-kind]").Change(kind);
        page.Find("[data-testid=filter-payload] input, input[data-testid=filter-payload]").Change("""{"customer_id": 42}""");
        await page.Find("[data-testid=jobs-filter]").SubmitAsync();

        var nav = (BunitNavigationManager)Services.GetRequiredService<NavigationManager>();
        var uri = new Uri(nav.Uri);
        Assert.Equal("/jobs", uri.AbsolutePath);
        var parsed = JobsUrl.Parse(uri.Query, out var problems);
        Assert.Empty(problems);
        Assert.Equal(new JobFilter { Kind = kind, Payload = """{"customer_id": 42}""" }, parsed);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=job-row]")));
    }

    [Fact]
    public async Task List_DrawsItsRowsAgain_OnlyWhenAJobOnThemChanged()
    {
        // Oldest first, one more than a page: a new job changes the count, not the rows shown.
        var kind = $"k.{Guid.NewGuid():N}";
        await _db.PsqlAsync("INSERT INTO jobs (kind, state) SELECT @Kind, 'queued' FROM generate_series(1, 51)", new { Kind = kind });
        var page = RenderList($"?kind={kind}&sort=oldest");
        page.WaitForAssertion(() => Assert.Equal("51 matching jobs", page.Find("[data-testid=jobs-count]").TextContent));
        Assert.Equal(50, page.FindAll("[data-testid=job-row]").Count);
        var (table, form) = (page.FindComponent<JobTable>(), page.FindComponent<JobsFilterPanel>());
        var (tableDrawn, formDrawn) = (table.RenderCount, form.RenderCount);

        await JobAsync(kind, "queued");
        await NextTickAsync();
        page.WaitForAssertion(() => Assert.Equal("52 matching jobs", page.Find("[data-testid=jobs-count]").TextContent));
        Assert.Equal(tableDrawn, table.RenderCount);
        Assert.Equal(formDrawn, form.RenderCount);

        // A change of the feed that changed nothing on the page does not draw it; the next one that did, once.
        var pageDrawn = page.RenderCount;
        await NextTickAsync();
        await JobAsync(kind, "queued");
        await NextTickAsync();
        page.WaitForAssertion(() => Assert.Equal("53 matching jobs", page.Find("[data-testid=jobs-count]").TextContent));
        Assert.Equal(pageDrawn + 1, page.RenderCount);

        var oldest = page.Find("[data-testid=job-row]").GetAttribute("data-id");
        await _db.PsqlAsync("UPDATE jobs SET state = 'failed', last_error = 'boom' WHERE id = @Id", new { Id = long.Parse(oldest!, System.Globalization.CultureInfo.InvariantCulture) });
        await NextTickAsync();
        page.WaitForAssertion(() => Assert.Contains("boom", page.Find("[data-testid=job-row]").TextContent, StringComparison.Ordinal));
        Assert.Equal(tableDrawn + 1, table.RenderCount);
        Assert.Equal(formDrawn, form.RenderCount);
    }

    [Fact]
    public void Form_ShowsTheUrlsFilter_OverWhatWasTypedAndNotApplied()
    {
        var page = RenderList("?kind=email.send");
        page.WaitForAssertion(() => Assert.Equal("email.send", page.Find("input[data-testid=filter-kind]").GetAttribute("value")));

        page.Find("input[data-testid=filter-kind]").Change("typed.but.not.applied");
        page.Find("select[data-testid=filter-state]").Change("failed");
        Services.GetRequiredService<NavigationManager>().NavigateTo("/jobs?kind=report.build");
        page.Render();

        page.WaitForAssertion(() => Assert.Equal("report.build", page.Find("input[data-testid=filter-kind]").GetAttribute("value")));
        Assert.Equal("", Value(page, "select[data-testid=filter-state]"));

        page.Find("input[data-testid=filter-kind]").Change("typed.again");
        page.Find("[data-testid=clear-filter]").Click();
        page.Render();
        page.WaitForAssertion(() => Assert.Equal("", Value(page, "input[data-testid=filter-kind]")));
    }

    // What a bound input or select shows: no value attribute is an empty one.
    private static string Value(IRenderedComponent<JobsPage> page, string selector) => page.Find(selector).GetAttribute("value") ?? "";

    // The feed's next state, once the instance's shared reads are past their age.
    private async Task NextTickAsync()
    {
        Clock.Advance(JobWatch.MaxAge + TimeSpan.FromMilliseconds(1));
        await State.PublishAsync(Shared.Snapshots.Healthy(Shared.Snapshots.Create()));
    }

    [Fact]
    public void List_SaysWhatIsWrong_WithAFilterItCannotRead()
    {
        var page = RenderList("?id=abc&created_from=yesterday&payload=%5B1%5D");

        page.WaitForAssertion(() =>
        {
            var problems = page.FindAll("[data-testid=filter-problem]").Select(p => p.TextContent).ToList();
            Assert.Contains(problems, p => p.Contains("not a job id", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("not a time", StringComparison.Ordinal));
            Assert.Contains("JSON object", page.Find("[data-testid=jobs-error]").TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void List_RefusesPayloadFiltersOnRedactedKeys_ForNonAdmins()
    {
        var page = RenderList("?payload=%7B%22password%22%3A%22guess%22%7D");

        page.WaitForAssertion(() => Assert.Contains(
            page.FindAll("[data-testid=filter-problem]"), p => p.TextContent.Contains("admins only", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(Roles.Operator, false)]
    [InlineData(Roles.Viewer, false)]
    [InlineData(Roles.Auditor, false)]
    [InlineData(Roles.Admin, true)]
    public async Task Job_MasksSecrets_ForEveryoneButAdmins(string role, bool reveals)
    {
        CurrentActor.Actor = new Actor("someone", "local", null, role);
        var id = await JobAsync("k.secret", "failed", payload: """{"to": "ann@example.com", "api_key": "sk-live-123", "nested": {"password": "hunter2"}}""");
        await _db.PsqlAsync("UPDATE jobs SET checkpoint = '{\"page\": 3, \"token\": \"cursor-secret\"}' WHERE id = @Id", new { Id = id });

        var page = Render<JobPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Contains("ann@example.com", page.Find("[data-testid=job-payload]").TextContent, StringComparison.Ordinal));
        var payload = page.Find("[data-testid=job-payload]").TextContent;
        var checkpoint = page.Find("[data-testid=job-checkpoint]").TextContent;
        Assert.Equal(reveals, payload.Contains("sk-live-123", StringComparison.Ordinal));
        Assert.Equal(reveals, payload.Contains("hunter2", StringComparison.Ordinal));
        Assert.Equal(reveals, checkpoint.Contains("cursor-secret", StringComparison.Ordinal));
        Assert.Contains("3", checkpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_ShowsErrorHistory_AndFollowsTheFeed()
    {
        var id = await JobAsync("k.history", "failed", error: "second failure");
        await _db.PsqlAsync(
            """
            UPDATE jobs SET attempts = 2, error_history = '[{"at": "2026-01-01T10:00:00Z", "attempt": 1, "worker": "w:1", "error": "first failure"},
                                                            {"at": "2026-01-01T10:01:00Z", "attempt": 2, "worker": "w:2", "error": "second failure"}]'
            WHERE id = @Id
            """,
            new { Id = id });
        var page = Render<JobPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=job-history-row]").Count));
        Assert.Contains("second failure", page.FindAll("[data-testid=job-history-row]")[0].TextContent, StringComparison.Ordinal);

        await _db.PsqlAsync("UPDATE jobs SET state = 'queued', attempts = 0, updated_at = now() WHERE id = @Id", new { Id = id });
        Clock.Advance(JobWatch.MaxAge + TimeSpan.FromMilliseconds(1)); // past the shared read's age
        await State.PublishAsync(Shared.Snapshots.Healthy(Shared.Snapshots.Create()));

        page.WaitForAssertion(() => Assert.Equal("queued", page.Find("[data-testid=job-state-text]").TextContent));
        Assert.Equal(2, page.FindAll("[data-testid=job-history-row]").Count);
    }

    [Fact]
    public void Job_SaysSo_WhenThereIsNoSuchJob()
    {
        var page = Render<JobPage>(p => p.Add(x => x.Id, -5));

        page.WaitForAssertion(() => Assert.Contains("no job -5", page.Find("[data-testid=job-missing]").TextContent, StringComparison.Ordinal));
    }
}
