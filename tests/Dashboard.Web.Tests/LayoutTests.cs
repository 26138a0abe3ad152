using Dashboard.Core.Security;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public void NavLinks_MarkTheCurrentPage_AlsoAfterNavigatingWithinTheConsole()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        var nav = Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo("/jobs/42");

        var layout = Render<MainLayout>();

        Assert.Equal(["nav-jobs"], ActiveLinks(layout));
        Assert.Equal("page", layout.Find("[data-testid=nav-jobs]").GetAttribute("aria-current"));
        Assert.Null(layout.Find("[data-testid=nav-home]").GetAttribute("aria-current"));

        nav.NavigateTo("/?q=billing&stuck=1");
        layout.WaitForAssertion(() => Assert.Equal(["nav-home"], ActiveLinks(layout)));

        nav.NavigateTo("/drain");
        layout.WaitForAssertion(() => Assert.Equal(["nav-drain"], ActiveLinks(layout)));

        // A page the navigation does not list marks none.
        nav.NavigateTo("/kinds/email.send");
        layout.WaitForAssertion(() => Assert.Empty(ActiveLinks(layout)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NavLinks_OfferTheAuditLog_OnlyWhereThePolicyAllows(bool mayReadAudit)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        if (mayReadAudit)
        {
            auth.SetPolicies(Permissions.ReadAudit);
        }

        var layout = Render<MainLayout>();

        Assert.Equal(
            mayReadAudit ? ["nav-home", "nav-jobs", "nav-drain", "nav-alerts", "nav-audit"] : ["nav-home", "nav-jobs", "nav-drain", "nav-alerts"],
            layout.FindAll(".app-nav a").Select(a => a.GetAttribute("data-testid")));
    }

    [Fact]
    public void Drawer_IsWrittenWhenFirstOpened_WithTheCurrentPageMarked()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        Services.GetRequiredService<NavigationManager>().NavigateTo("/alerts");
        var layout = Render<MainLayout>();
        Assert.Empty(layout.FindAll("[data-testid=drawer-nav-home]"));

        layout.Find("[data-testid=nav-menu]").Click();

        layout.WaitForAssertion(() => Assert.Equal(4, layout.FindAll("[data-testid=nav-drawer] .mud-nav-link").Count));
        Assert.Contains("active", layout.Find("[data-testid=drawer-nav-alerts]").ClassList);
        Assert.DoesNotContain("active", layout.Find("[data-testid=drawer-nav-home]").ClassList);
        Assert.Equal("alice", layout.Find("[data-testid=drawer-signed-in-as] .mono").TextContent);
    }

    private static List<string?> ActiveLinks(IRenderedComponent<MainLayout> layout) =>
        [.. layout.FindAll(".app-nav .mud-nav-link.active").Select(a => a.GetAttribute("data-testid"))];
}
