using Dashboard.Core.Security;
using Dashboard.Web.Api;
using Dashboard.Web.Auth;
using Dashboard.Web.Components;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Hubs;
using MudBlazor.Services;

namespace Dashboard.Web.Extensions;

public static class WebServiceCollectionExtensions
{
    public static IServiceCollection AddDashboardWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSingleton(TimeProvider.System);
        services.AddDashboardAuth(configuration);
        services.AddScoped<ActionRunner>();
        services.AddSignalR();
        services.AddHostedService<ChangeBroadcaster>();
        return services;
    }

    /// <summary>The request pipeline and every endpoint; each endpoint has an explicit authorization rule.</summary>
    public static WebApplication UseDashboardWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseDashboardSecurityHeaders();
        app.UseHubOriginCheck(JobsHub.Path);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapDeployGateEndpoints();
        app.MapAuditExportEndpoints();
        app.MapHub<JobsHub>(JobsHub.Path).RequireAuthorization(Policies.For(Permissions.ViewQueue, Policies.HubSchemes));
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
