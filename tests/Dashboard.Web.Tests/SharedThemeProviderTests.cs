using Dashboard.Web.Components.Layout;
using Dashboard.Web.Tests.Shared;
using MudBlazor;

namespace Dashboard.Web.Tests;

/// <summary>The console's theme provider writes what MudBlazor's writes, from one string shared by every tab.</summary>
public sealed class SharedThemeProviderTests : DashboardTestContext
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WritesWhatMudBlazorsProviderWrites(bool dark)
    {
        var mud = Render<MudThemeProvider>(p => p.Add(c => c.Theme, ConsoleTheme.Theme).Add(c => c.IsDarkMode, dark));
        var shared = Render<SharedThemeProvider>(p => p.Add(c => c.Theme, ConsoleTheme.Theme).Add(c => c.IsDarkMode, dark));
        Assert.Equal(mud.Markup, shared.Markup);
    }

    [Fact]
    public void EveryTab_PointsAtOneThemeText()
    {
        var provider = Render<SharedThemeProvider>(p => p.Add(c => c.Theme, ConsoleTheme.Theme).Add(c => c.IsDarkMode, true));

        // The theme's style sheet (the last thing written) is the interned string: every tab's render tree points at that one.
        var markup = provider.Markup;
        var start = markup.IndexOf("<style class='mud-theme-provider'>", StringComparison.Ordinal);
        Assert.True(start >= 0, markup);
        Assert.NotNull(string.IsInterned(markup[start..]));
    }
}
