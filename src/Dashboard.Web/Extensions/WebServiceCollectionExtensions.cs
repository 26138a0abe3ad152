using Dashboard.Core;
using Dashboard.Core.Security;
using Dashboard.Web.Api;
using Dashboard.Web.Auth;
using Dashboard.Web.Circuits;
using Dashboard.Web.Components;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Hubs;
using Dashboard.Web.Proxy;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using OpenTelemetry.Metrics;

namespace Dashboard.Web.Extensions;

public static class WebServiceCollectionExtensions
{
    /// <summary>Where Prometheus scrapes the console's metrics.</summary>
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddDashboardWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddOptions<CircuitSettings>().Bind(configuration.GetSection(CircuitSettings.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CircuitSettings>, ValidateCircuitSettings>();
        services.AddOptions<CircuitOptions>().Configure<IOptions<CircuitSettings>>((circuits, settings) => settings.Value.ApplyTo(circuits));
        services.AddMudServices(mud =>
        {
            // Bottom left: clear of the page header (Live toggle, "as of") and of the banners at the top of a phone screen.
            mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
            mud.SnackbarConfiguration.PreventDuplicates = false;
        });
        services.AddSingleton(TimeProvider.System);
        services.AddDashboardAuth(configuration);
        services.AddDashboardInstances();
        services.AddDashboardProxy(configuration);
        services.AddScoped<ActionRunner>();
        services.AddSignalR();
        services.AddHostedService<ChangeBroadcaster>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Dashboard.Core.History.DashboardMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Every problem with the settings (all option types), each naming its key; empty when all is well.</summary>
    public static IReadOnlyList<string> SettingsProblems(this IServiceProvider services)
    {
        var problems = new List<string>();
        Check(() => services.GetRequiredService<IOptions<DashboardOptions>>().Value);
        Check(() => services.GetRequiredService<IOptions<AuthOptions>>().Value);
        Check(() => services.GetRequiredService<IOptions<ProxyOptions>>().Value);
        Check(() => services.GetRequiredService<IOptions<CircuitSettings>>().Value);
        return problems;

        void Check(Func<object> read)
        {
            try
            {
                read();
            }
            catch (OptionsValidationException ex)
            {
                problems.AddRange(ex.Failures);
            }
            catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
            {
                problems.Add(ex.Message);
            }
        }
    }

    /// <summary>The request pipeline and every endpoint; each endpoint has an explicit authorization rule.</summary>
    public static WebApplication UseDashboardWeb(this WebApplication app)
    {
        // First: everything after it (HTTPS redirection, cookies, rate limit, audit) sees the client's scheme and address.
        app.UseDashboardForwardedHeaders(app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value);
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseDashboardSecurityHeaders();
        app.UseHubOriginCheck(JobsHub.Path, "/_blazor");
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapDashboardProbes();
        app.MapAccountEndpoints();
        app.MapDeployGateEndpoints();
        app.MapAuditExportEndpoints();
        // Prometheus scraping, bearer token only (like the deploy gate): the instruments exist once resolved.
        _ = app.Services.GetRequiredService<Dashboard.Core.History.DashboardMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Policies.For(Permissions.ViewQueue, Policies.ApiSchemes));
        app.MapHub<JobsHub>(JobsHub.Path).RequireAuthorization(Policies.For(Permissions.ViewQueue, Policies.HubSchemes));
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
