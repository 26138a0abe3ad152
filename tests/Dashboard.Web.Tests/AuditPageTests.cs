using Dashboard.Core;
using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Tests;

/// <summary>The audit page with bunit over a real audit log: filtering, a filter it cannot use, paging.</summary>
public sealed class AuditPageTests : DashboardTestContext, IClassFixture<TestDatabase>
{
    private readonly TestDatabase _db;

    public AuditPageTests(TestDatabase db)
    {
        _db = db;
        Services.AddSingleton(new AuditQueries(db.Db));
        Services.AddSingleton(new AuditVerifier(db.Db));
        CurrentActor.Actor = new Actor("audrey", "local", "10.0.0.5", Roles.Auditor);
    }

    // MudTextField puts the attribute on its input.
    private static string Field(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private async Task SeedAsync()
    {
        if (await _db.ScalarAsync<long>("SELECT count(*) FROM audit_log") > 0)
        {
            return;
        }

        var actions = new OperatorActions(_db.Db, Options.Create(new DashboardOptions()));
        var alice = new Actor("alice", "local", null, Roles.Operator);
        await _db.PsqlAsync("INSERT INTO workers (id, host, pid) VALUES ('web-1:10', 'web-1', 10), ('web-2:20', 'web-2', 20)");
        for (var i = 0; i < 60; i++)
        {
            await actions.ExecuteAsync(new DrainWorker(i % 2 == 0 ? "web-1:10" : "web-2:20"), alice, $"reason {i}", $"k-{i}", CancellationToken.None);
        }
    }

    [Fact]
    public async Task Filter_ByWorker_ShowsOnlyItsEntries_AndTheCountOfAll()
    {
        await SeedAsync();
        var page = Render<Dashboard.Web.Components.Pages.AuditPage>();
        page.WaitForAssertion(() => Assert.Equal("60 matching entries", page.Find("[data-testid=audit-count]").TextContent));
        Assert.Equal(50, page.FindAll("[data-testid=audit-row]").Count);

        await page.Find(Field("filter-worker")).ChangeAsync(new() { Value = "web-2:20" });
        await page.Find("[data-testid=apply-filter]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("30 matching entries", page.Find("[data-testid=audit-count]").TextContent));
        Assert.All(page.FindAll("[data-testid=audit-row]"), row => Assert.Contains("web-2:20", row.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Paging_TurnsToOlderEntries_AndKeepsTheCount()
    {
        await SeedAsync();
        var page = Render<Dashboard.Web.Components.Pages.AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("[data-testid=audit-row]").Count));

        await page.Find("[data-testid=older]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal(10, page.FindAll("[data-testid=audit-row]").Count));
        Assert.Equal("60 matching entries", page.Find("[data-testid=audit-count]").TextContent);
    }

    [Theory]
    [InlineData("filter-text", "The text filter contains a control character (U+0000)")]
    [InlineData("filter-actor", "The actor filter contains a control character (U+0000)")]
    [InlineData("filter-kind", "The kind filter contains a control character (U+0000)")]
    [InlineData("filter-worker", "The worker filter contains a control character (U+0000)")]
    [InlineData("filter-from", "is not a time")]
    public async Task Filter_ItCannotUse_IsExplained_AndTheListStays(string field, string message)
    {
        await SeedAsync();
        var page = Render<Dashboard.Web.Components.Pages.AuditPage>();
        page.WaitForAssertion(() => Assert.Equal("60 matching entries", page.Find("[data-testid=audit-count]").TextContent));

        await page.Find(Field(field)).ChangeAsync(new() { Value = field == "filter-from" ? "yesterday" : "a\0b" });
        await page.Find("[data-testid=apply-filter]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains(message, page.Markup, StringComparison.Ordinal));
        Assert.Equal("60 matching entries", page.Find("[data-testid=audit-count]").TextContent);
        Assert.Equal(50, page.FindAll("[data-testid=audit-row]").Count);
    }

    [Fact]
    public async Task OpeningAnEntry_ReadsItsBeforeAndAfter()
    {
        await SeedAsync();
        var page = Render<Dashboard.Web.Components.Pages.AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("[data-testid=audit-row]").Count));

        await page.FindAll("[data-testid=audit-row]")[0].ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("drain_requested", page.Find("[data-testid=audit-after]").TextContent, StringComparison.Ordinal));
    }
}
