using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

public static class WorkerServiceCollectionExtensions
{
    // Time after the shutdown budget for releasing what did not finish and marking the worker stopped.
    private static readonly TimeSpan _shutdownMargin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Adds the job worker as a hosted service. <paramref name="configure"/> registers handlers and settings; the
    /// <c>Worker</c> configuration section is applied after it (deployment settings win). The host's shutdown timeout is
    /// raised to the shutdown budget plus a margin so that in-flight jobs can finish or be released on SIGTERM.
    /// </summary>
    public static IServiceCollection AddJobWorker(this IServiceCollection services, Action<JobWorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<JobWorkerOptions>()
            .Configure(configure)
            .Configure<IServiceProvider>((o, sp) =>
            {
                var configuration = sp.GetService<IConfiguration>();
                if (configuration is not null)
                {
                    configuration.GetSection(JobWorkerOptions.SectionName).Bind(o);
                    o.ConnectionString ??= configuration.GetConnectionString("Jobs");
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobWorkerOptions>, ValidateJobWorkerOptions>();
        services.AddOptions<HostOptions>().PostConfigure<IOptions<JobWorkerOptions>>((host, worker) =>
        {
            var needed = worker.Value.ShutdownBudget + _shutdownMargin;
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.TryAddSingleton(sp => WorkerDb.Create(sp.GetRequiredService<IOptions<JobWorkerOptions>>().Value.ConnectionString!));
        services.TryAddSingleton(sp => new JobClaims(sp.GetRequiredService<Db>()));
        services.TryAddSingleton(sp => new WorkerRegistry(sp.GetRequiredService<Db>()));
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        return services;
    }
}
