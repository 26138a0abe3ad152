using System.Net;
using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>The CSV export over real HTTP: auditors only, filtered, formulas neutralised.</summary>
public sealed class AuditExportTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    [Fact]
    public async Task Export_StreamsTheFilteredEntries_AsCsv()
    {
        var actions = app.Service<IOperatorActions>();
        var actor = new Actor("ops-<b>eve</b>", "local", "10.1.2.3", Roles.Operator);
        await actions.ExecuteAsync(new PauseKind("export.kind"), actor, "=HYPERLINK(\"http://evil\") maintenance", "k-export-1", CancellationToken.None);
        await actions.ExecuteAsync(new ResumeKind("other.kind"), actor, "unrelated", "k-export-2", CancellationToken.None);
        using var client = app.NewClient(await app.SignInAsync(Roles.Auditor));

        using var response = await client.GetAsync("/audit/export.csv?kind=export.kind");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("export.kind", lines[1], StringComparison.Ordinal);
        Assert.Contains("'=HYPERLINK", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("unrelated", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_IsRefused_ForOperators()
    {
        using var client = app.NewClient(await app.SignInAsync(Roles.Operator));

        using var response = await client.GetAsync("/audit/export.csv");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
