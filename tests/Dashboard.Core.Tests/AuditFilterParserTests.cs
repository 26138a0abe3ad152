using Dashboard.Core.Audit;

namespace Dashboard.Core.Tests;

public sealed class AuditFilterParserTests
{
    private static string? Parse(Dictionary<string, string?> values, out AuditFilter filter) =>
        AuditFilterParser.TryParse(key => values.GetValueOrDefault(key), out filter);

    [Fact]
    public void ReadsEveryKey_AndIgnoresBlanks()
    {
        var problem = Parse(new()
        {
            ["from"] = "2026-11-22 08:00",
            ["to"] = " ",
            ["actor"] = " alice ",
            ["job"] = "42",
            ["worker"] = "web-1:10",
            ["outcome"] = "refused",
            ["text"] = "100%",
        }, out var filter);

        Assert.Null(problem);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero), filter.From);
        Assert.Null(filter.To);
        Assert.Equal(("alice", 42L, "web-1:10", "refused", "100%"), (filter.Actor, filter.JobId!.Value, filter.Worker, filter.Outcome, filter.Text));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("actor")]
    [InlineData("kind")]
    [InlineData("worker")]
    [InlineData("outcome")]
    [InlineData("action")]
    public void RefusesNul_InEveryTextFilter(string key)
    {
        var problem = Parse(new() { [key] = "a\0b" }, out var filter);

        Assert.Equal($"The {key} filter contains a control character (U+0000); remove it.", problem);
        Assert.Same(AuditFilter.All, filter);
    }

    [Theory]
    [InlineData("from", "tomorrow-ish")]
    [InlineData("to", "2026-02-30")]
    [InlineData("job", "-1")]
    [InlineData("outcome", "Applied")]
    public void RefusesValuesItCannotUse(string key, string value)
    {
        Assert.NotNull(Parse(new() { [key] = value }, out _));
    }

    [Fact]
    public void FormatReadsBackToTheSameFilter()
    {
        var filter = new AuditFilter { To = DateTimeOffset.UnixEpoch, Kind = "a&b", JobId = 7, Text = "x y" };

        var values = AuditFilterParser.Format(filter).ToDictionary(p => p.Key, p => (string?)p.Value);

        Assert.Null(Parse(values, out var read));
        Assert.Equal(filter, read);
    }
}
