using Dashboard.Web.Components.Layout;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

public sealed class LayoutTests : DashboardTestContext
{
    [Fact]
    public void Render_ShowsHostileUserNameAsText()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("<script>alert('x')</script>");
        auth.SetRoles("operator");

        var layout = Render<MainLayout>();

        var shown = layout.Find("[data-testid=signed-in-as]");
        Assert.Contains("<script>alert('x')</script>", shown.TextContent, StringComparison.Ordinal);
        Assert.Empty(shown.QuerySelectorAll("script"));
    }
}
