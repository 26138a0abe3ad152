using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the data source, queries, the migrator, the one snapshot loop and change listener of this instance,
    /// the operator actions (the only write path), the pause expiry, the audit log readers and the deploy gate.
    /// Settings are validated at start: a bad one stops the app with a message naming it.
    /// </summary>
    public static IServiceCollection AddDashboardCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DashboardOptions>()
            .Bind(configuration.GetSection(DashboardOptions.SectionName))
            .Configure(o => o.ConnectionString ??= configuration.GetConnectionString("Jobs"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, ValidateDashboardOptions>();
        services.AddSingleton(sp => Db.Create(sp.GetRequiredService<IOptions<DashboardOptions>>().Value.ConnectionString!));
        services.AddSingleton<Migrator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SnapshotQueries>();
        services.AddSingleton<IListQueries, ListQueries>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton<IDashboardState>(sp => sp.GetRequiredService<ChangeFeed>());
        services.AddSingleton<IOperatorActions, OperatorActions>();
        services.AddSingleton<AuditQueries>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Jobs.JobQueries>();
        services.AddSingleton<Jobs.JobWatch>();
        services.AddSingleton<Bulk.BulkOperationQueries>();
        services.AddSingleton<Bulk.BulkOperationRunner>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Bulk.BulkOperationRunner>());
        services.AddSingleton(sp => new Jobs.JsonRedactor(sp.GetRequiredService<IOptions<DashboardOptions>>().Value.RedactKeys));
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<DeployGate.DeployGate>();
        services.AddSingleton(sp => new Readiness.ReadinessQueries(
            sp.GetRequiredService<Db>(), sp.GetRequiredService<IOptions<DashboardOptions>>().Value.StatementTimeout));
        services.AddSingleton<Readiness.IDeployReadiness, Readiness.DeployReadiness>();
        services.AddSingleton<Security.SessionStore>();
        services.AddSingleton<SnapshotLoop>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<SnapshotLoop>());
        services.AddSingleton<Singletons.InstanceIdentity>();
        services.AddSingleton<Singletons.SingletonLocks>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<History.HistoryQueries>();
        services.AddSingleton<History.HistoryCache>();
        services.AddSingleton<History.IHistoryView>(sp => sp.GetRequiredService<History.HistoryCache>());
        services.AddSingleton<History.HistoryWriter>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<History.HistoryWriter>());
        services.AddSingleton<Alerts.AlertStore>();
        services.AddSingleton<Alerts.AlertService>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Alerts.AlertService>());
        services.AddSingleton<Singletons.SingletonService>(sp => sp.GetRequiredService<History.HistoryWriter>());
        services.AddSingleton<Singletons.SingletonService>(sp => sp.GetRequiredService<Alerts.AlertService>());
        services.AddSingleton<Singletons.SingletonService>(sp => sp.GetRequiredService<Kinds.PauseExpiryLoop>());
        services.AddSingleton<History.DashboardMetrics>();
        services.AddSingleton<Kinds.PauseExpiryLoop>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Kinds.PauseExpiryLoop>());
        services.AddSingleton<Workers.WorkerPruning>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Workers.WorkerPruning>());
        services.AddSingleton<ChangeListener>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ChangeListener>());
        return services;
    }
}
