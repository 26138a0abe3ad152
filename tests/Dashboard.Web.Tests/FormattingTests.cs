using Dashboard.Web.Components.Layout;

namespace Dashboard.Web.Tests;

public sealed class FormattingTests
{
    [Theory]
    [InlineData("paused kind `billing.invoice`; 12 jobs parked", "paused kind “billing.invoice”; 12 jobs parked")]
    [InlineData("released job 7 (kind `a`) held by `w:1`", "released job 7 (kind “a”) held by “w:1”")]
    [InlineData("no quotes here", "no quotes here")]
    [InlineData("an odd ` stays", "an odd ` stays")]
    public void PlainText_TurnsMarkdownQuotesIntoTypographicOnes(string message, string expected) =>
        Assert.Equal(expected, Formatting.PlainText(message));

    [Theory]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    [InlineData("system", true, true)]
    [InlineData("light", true, false)]
    [InlineData("dark", false, true)]
    [InlineData("<script>", true, true)]
    public void Theme_FollowsTheSystem_UnlessAChoiceWasStored(string? stored, bool systemDark, bool dark) =>
        Assert.Equal(dark, ThemeChoices.IsDark(ThemeChoices.Parse(stored), systemDark));
}
