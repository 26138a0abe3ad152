using Dashboard.Core.Audit;

namespace Dashboard.Core.Tests;

public sealed class AuditCsvTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\rlf", "\"cr\rlf\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+cmd", "'+cmd")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tTAB", "\"'\tTAB\"")]
    [InlineData("\r=x", "\"'\r=x\"")]
    [InlineData("=HYPERLINK(\"http://evil\",\"click\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"")]
    [InlineData("a=b", "a=b")]
    [InlineData(" =1+2", "' =1+2")]
    [InlineData("\t=1+2", "\"'\t=1+2\"")]
    [InlineData("\n-2", "\"'\n-2\"")]
    [InlineData("\r\n@x", "\"'\r\n@x\"")]
    [InlineData("  +cmd", "'  +cmd")]
    [InlineData(";=3+3", "\"';=3+3\"")]
    [InlineData("|calc", "'|calc")]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData(" plain", " plain")]
    public void Cell_QuotesPerRfc4180_AndNeutralisesFormulas(string? value, string expected) =>
        Assert.Equal(expected, AuditCsv.Cell(value));

    [Fact]
    public async Task Write_EmitsHeaderAndCrlfRows_InColumnOrder()
    {
        var entry = new AuditEntry(
            7, new DateTimeOffset(2025, 3, 1, 12, 30, 45, 123, TimeSpan.Zero).AddTicks(4560), "alice", "oidc", "10.0.0.7", "pause_kind",
            "search.reindex", null, null, "deploy, then \"reindex\"", "{\"a\":1}", null, 3, "applied: paused", "key-1", "00", "ab");
        using var writer = new StringWriter();

        var count = await AuditCsv.WriteAsync(One(entry), writer, CancellationToken.None);

        Assert.Equal(1, count);
        Assert.Equal(
            string.Join(",", AuditCsv.Columns) + "\r\n"
                + "7,2025-03-01T12:30:45.123456Z,alice,oidc,10.0.0.7,pause_kind,search.reindex,,,\"deploy, then \"\"reindex\"\"\",\"{\"\"a\"\":1}\",,3,applied: paused,key-1,00,ab\r\n",
            writer.ToString());
    }

    private static async IAsyncEnumerable<AuditEntry> One(AuditEntry entry)
    {
        await Task.Yield();
        yield return entry;
    }
}
