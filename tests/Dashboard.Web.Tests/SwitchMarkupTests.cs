using System.Text.RegularExpressions;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Tests.Shared;
using MudBlazor;

namespace Dashboard.Web.Tests;

/// <summary>The console's switch writes what MudBlazor's <c>MudSwitch</c> writes, without its two components per tab.</summary>
public sealed partial class SwitchMarkupTests : DashboardTestContext
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WritesWhatMudSwitchWrites(bool value)
    {
        var mud = Render<MudSwitch<bool>>(p => p.Add(c => c.Value, value).Add(c => c.Color, Color.Error).Add(c => c.Label, "Stuck only")
            .AddUnmatched("data-testid", "stuck-only"));
        var ours = Render(Cells.Switch(this, "Stuck only", value, _ => { }, Color.Error, "stuck-only"));

        Assert.Equal(Normalized(mud.Markup), Normalized(ours.Markup));
    }

    [Fact]
    public void Toggling_CallsBackWithTheNewValue()
    {
        var values = new List<bool>();
        var ours = Render(Cells.Switch(this, "Stuck only", false, values.Add, Color.Error, "stuck-only"));

        ours.Find("[data-testid=stuck-only]").Change(true);

        Assert.Equal([true], values);
    }

    // The element id MudBlazor generates, Blazor's event markers and the whitespace between elements aside.
    private static string Normalized(string markup) =>
        Between().Replace(Events().Replace(Id().Replace(markup, ""), ""), "><").Trim();

    [GeneratedRegex(@" id=""switch[a-z0-9]+""")]
    private static partial Regex Id();

    [GeneratedRegex(@" blazor:on[a-z]+=""[0-9]+""")]
    private static partial Regex Events();

    [GeneratedRegex(@">\s+<")]
    private static partial Regex Between();
}
