using Dashboard.Core;
using Dashboard.Core.Security;
using Dashboard.Web.Api;
using Dashboard.Web.Auth;
using Dashboard.Web.Components;
using Dashboard.Web.Extensions;
using Dashboard.Web.Hubs;

namespace Dashboard.Web;

/// <summary>
/// The console as a library: <c>builder.Services.AddJobsConsole(builder.Configuration)</c> and
/// <c>app.MapJobsConsole("/ops/jobs")</c>. Settings come from the host's configuration (<c>ConnectionStrings:Jobs</c>,
/// <c>Dashboard:*</c>, as for the standalone console). Without <see cref="JobsConsoleOptions.UseHostAuthentication"/>
/// the console signs users in itself (local users, OpenID Connect); with it, it uses the host's sign-in.
/// </summary>
public static class JobsConsole
{
    // UseRouting in a branch joins the host's global endpoint builder unless this key is gone, and the console's
    // endpoints would then also answer outside its path.
    private const string GlobalEndpointRouteBuilderKey = "__GlobalEndpointRouteBuilder";

    public static IServiceCollection AddJobsConsole(this IServiceCollection services, IConfiguration configuration, Action<JobsConsoleOptions>? configure = null)
    {
        var options = new JobsConsoleOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddDashboardCore(configuration);
        services.AddDashboardWeb(configuration, options);
        return services;
    }

    /// <summary>
    /// Serves the console under <paramref name="path"/> (e.g. <c>/ops/jobs</c>; <c>/</c> or empty for the root): its
    /// pages, assets, Blazor's circuit, the jobs hub, the deploy gate, the audit export and the health probes.
    /// </summary>
    public static WebApplication MapJobsConsole(this WebApplication app, string path = "")
    {
        ArgumentNullException.ThrowIfNull(app);
        var pathBase = path.TrimEnd('/');
        if (pathBase.Length == 0)
        {
            UseConsole(app);
            return app;
        }

        app.Map(pathBase, branch =>
        {
            branch.Properties.Remove(GlobalEndpointRouteBuilderKey);
            UseConsole(branch);
        });
        return app;
    }

    /// <summary>The console's own pipeline; every endpoint has an explicit authorization rule.</summary>
    private static void UseConsole(IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<JobsConsoleOptions>();
        app.UseDashboardSecurityHeaders();
        app.UseHubOriginCheck(JobsHub.Path, "/_blazor");
        app.UseRouting();
        if (options.HostAuthentication is null)
        {
            app.UseAuthentication();
        }
        else
        {
            // The host authenticated the request already, outside the console's path: its sign-in and
            // access-denied redirects must stay its own, not be rebased under the console's path.
            app.UseHostPrincipal();
        }

        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapDashboardProbes();
            var console = endpoints.MapGroup("").RequireAuthorization(Policies.SignedIn);
            // In the same group as the pages, which find their fingerprinted asset URLs (@Assets) among its endpoints.
            console.MapStaticAssets().AllowAnonymous();
            if (options.HostAuthentication is null)
            {
                // With the host's authentication, signing in and out is the host's business.
                console.MapAccountEndpoints();
            }

            endpoints.MapDeployGateEndpoints();
            console.MapAuditExportEndpoints();
            // Prometheus scraping, bearer token only (like the deploy gate): the instruments exist once resolved.
            _ = app.ApplicationServices.GetRequiredService<Dashboard.Core.History.DashboardMetrics>();
            endpoints.MapPrometheusScrapingEndpoint(WebServiceCollectionExtensions.MetricsPath)
                .RequireAuthorization(Policies.For(Permissions.ViewQueue, Policies.ApiSchemes));
            endpoints.MapHub<JobsHub>(JobsHub.Path).RequireAuthorization(Policies.Hub(options));
            console.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ConfigureWebSocketAcceptContext = (_, accept) =>
            {
                // Compressed as by default, but each message on its own: with the compressor kept from one message to
                // the next (context takeover), every open tab holds its own zlib state on the server, about 256 KiB
                // of native memory; compressing each message on its own takes one from a pool shared by every tab.
                accept.DangerousEnableCompression = true;
                accept.DisableServerContextTakeover = true;
                return Task.CompletedTask;
            });
        });
    }
}

/// <summary>How a host configures the console it mounts.</summary>
public sealed class JobsConsoleOptions
{
    /// <summary>
    /// Whether every endpoint of the application without its own authorization rule needs a console sign-in (the
    /// authorization fallback policy). The standalone console sets it; a host keeps its own endpoints' rules.
    /// </summary>
    public bool RequireSignInByDefault { get; set; }

    /// <summary>Set by <see cref="UseHostAuthentication"/>; null when the console signs users in itself.</summary>
    public HostAuthentication? HostAuthentication { get; private set; }

    /// <summary>
    /// Use the host's authentication (its default scheme, e.g. its cookie or Identity) instead of the console's own
    /// sign-in. <paramref name="configure"/> maps the host's roles or policies to console roles; a signed-in user
    /// the map gives no role may not open the console. Bearer tokens (<c>Dashboard:Auth:ApiTokens</c>) keep working
    /// for the deploy gate and the hub.
    /// </summary>
    public JobsConsoleOptions UseHostAuthentication(Action<HostAuthentication> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var host = new HostAuthentication();
        configure(host);
        HostAuthentication = host;
        return this;
    }
}

/// <summary>Which host users get which console role (<see cref="Roles"/>); the most capable match wins.</summary>
public sealed class HostAuthentication
{
    internal List<(string HostRole, string ConsoleRole)> RoleMap { get; } = [];

    internal List<(string Policy, string ConsoleRole)> PolicyMap { get; } = [];

    /// <summary>Users in the host's role <paramref name="hostRole"/> (<c>User.IsInRole</c>) get <paramref name="consoleRole"/>.</summary>
    public HostAuthentication MapRole(string hostRole, string consoleRole)
    {
        RoleMap.Add((hostRole, Known(consoleRole)));
        return this;
    }

    /// <summary>Users who satisfy the host's authorization policy <paramref name="policy"/> get <paramref name="consoleRole"/>.</summary>
    public HostAuthentication MapPolicy(string policy, string consoleRole)
    {
        PolicyMap.Add((policy, Known(consoleRole)));
        return this;
    }

    private static string Known(string role) =>
        Roles.IsKnown(role) ? role : throw new ArgumentException($"'{role}' is not a console role ({string.Join(", ", Roles.All)}).", nameof(role));
}
