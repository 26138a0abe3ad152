using System.Net;
using Dashboard.Core.Audit;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>The export reads its filter with the page's parser: a filter it cannot use is a 400 with the reason, never the whole log.</summary>
public sealed class AuditExportFilterTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    [Theory]
    [InlineData("from=yesterday", "'yesterday' is not a time")]
    [InlineData("to=2026-13-45", "'2026-13-45' is not a time")]
    [InlineData("job=12a", "The job id '12a' is not a number.")]
    [InlineData("outcome=maybe", "'maybe' is not an outcome")]
    [InlineData("text=%00", "The text filter contains a control character (U+0000)")]
    [InlineData("actor=a%00b", "The actor filter contains a control character (U+0000)")]
    [InlineData("kind=%00", "The kind filter contains a control character (U+0000)")]
    [InlineData("worker=web-1%00", "The worker filter contains a control character (U+0000)")]
    [InlineData("outcome=%00applied", "The outcome filter contains a control character (U+0000)")]
    [InlineData("action=pause%07", "The action filter contains a control character (U+0007)")]
    public async Task Export_AnswersBadRequestWithTheReason_ForAFilterItCannotUse(string query, string reason)
    {
        using var client = app.NewClient(await app.SignInAsync(Roles.Auditor));

        using var response = await client.GetAsync("/audit/export.csv?" + query);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(reason, body, StringComparison.Ordinal);
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    [Fact]
    public async Task Export_StillAnswersAfterARejectedFilter()
    {
        using var client = app.NewClient(await app.SignInAsync(Roles.Auditor));
        using (await client.GetAsync("/audit/export.csv?text=%00"))
        {
        }

        using var response = await client.GetAsync("/audit/export.csv?outcome=applied");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void QueryOfTheExportLink_ReadsBackToTheSameFilter()
    {
        var filter = new AuditFilter
        {
            From = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero),
            Actor = "o'brien & co",
            Kind = "a=b?c",
            JobId = 42,
            Worker = "web-1:10",
            Outcome = "refused",
            Text = "100% sure",
        };

        var query = Dashboard.Web.Api.AuditExportEndpoints.QueryOf(filter);
        var values = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        var problem = AuditFilterParser.TryParse(key => values.TryGetValue(key, out var v) ? v.ToString() : null, out var read);

        Assert.Null(problem);
        Assert.Equal(filter, read);
    }
}
