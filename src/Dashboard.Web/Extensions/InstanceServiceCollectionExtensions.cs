using System.Xml.Linq;
using Dashboard.Core.Database;
using Dashboard.Core.Instances;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Extensions;

/// <summary>
/// What lets several instances of the console serve one database: shared data-protection keys (a sign-in cookie
/// from one instance works on every other) and anonymous health probes for load balancers and orchestrators.
/// </summary>
public static class InstanceServiceCollectionExtensions
{
    /// <summary>The process is up and serving HTTP. Checks nothing else, so a database outage never restarts it.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The instance can serve: its database answers and every migration this build ships is applied.</summary>
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddDashboardInstances(this IServiceCollection services)
    {
        services.AddSingleton<DataProtectionKeys>();
        // The same application name on every instance, whatever its content root, so they read one key ring.
        services.AddDataProtection().SetApplicationName("jobs-console");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(
            options => options.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<DataProtectionKeys>())));
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Maps the probes. They answer <c>Healthy</c> (200) or <c>Unhealthy</c> (503) and nothing more.</summary>
    public static IEndpointRouteBuilder MapDashboardProbes(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return app;
    }

    private sealed class PostgresXmlRepository(DataProtectionKeys keys) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => [.. keys.All().Select(XElement.Parse)];

        public void StoreElement(XElement element, string friendlyName) =>
            keys.Store(friendlyName, element.ToString(SaveOptions.DisableFormatting));
    }

    private sealed class DatabaseReadyCheck(Migrator migrator) : IHealthCheck
    {
        private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(5);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            // An unreachable database throws; the health check service reports that as Unhealthy (and logs it).
            var pending = await migrator.PendingAsync(timeout.Token);
            return pending.Count == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied");
        }
    }
}
