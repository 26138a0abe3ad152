using Dashboard.Core;
using Dashboard.Web.Auth;
using Dashboard.Web.Circuits;
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

    public static IServiceCollection AddDashboardWeb(this IServiceCollection services, IConfiguration configuration, JobsConsoleOptions console)
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
        services.AddDashboardAuth(configuration, console);
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

    /// <summary>
    /// What the standalone console does in front of <see cref="JobsConsole.MapJobsConsole"/> (a host does its own):
    /// forwarded headers from trusted proxies first, so everything after them (HTTPS redirection, cookies, rate
    /// limit, audit) sees the client's scheme and address; HSTS and HTTPS redirection outside Development; and the
    /// configured path base (<c>Dashboard:Proxy:PathBase</c>), before routing.
    /// </summary>
    public static WebApplication UseStandaloneConsole(this WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        app.UseDashboardForwardedHeaders(proxy);
        if (proxy.PathBase.Length > 0)
        {
            // The whole application is the console, so it keeps one pipeline (with its closed-by-default rule)
            // and answers under the path base: pages, assets, the hub and Blazor's circuit.
            app.UsePathBase(proxy.PathBase);
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        return app;
    }
}
