using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker.Tests;

public sealed class WorkerServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<JobWorkerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddJobWorker(configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AddJobWorker_AppliesConfigurationAfterCode_AndRaisesTheHostShutdownTimeoutAboveTheBudget()
    {
        await using var provider = Build(
            new()
            {
                ["ConnectionStrings:Jobs"] = "Host=127.0.0.1;Database=jobs",
                ["Worker:Concurrency"] = "6",
                ["Worker:ShutdownBudget"] = "00:00:45",
            },
            o =>
            {
                o.Concurrency = 2;
                o.Handle("email.send", (_, _, _) => Task.CompletedTask);
            });

        var options = provider.GetRequiredService<IOptions<JobWorkerOptions>>().Value;
        var host = provider.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.Equal(6, options.Concurrency);
        Assert.Equal("Host=127.0.0.1;Database=jobs", options.ConnectionString);
        Assert.Equal(["email.send"], options.Handlers.Keys);
        Assert.Equal(TimeSpan.FromSeconds(55), host.ShutdownTimeout);
        Assert.Single(provider.GetServices<IHostedService>().OfType<JobWorker>());
    }

    [Fact]
    public async Task AddJobWorker_FailsWithEveryProblemNamed_WhenSettingsAreWrong()
    {
        await using var provider = Build(new() { ["Worker:Concurrency"] = "0", ["Worker:PollInterval"] = "00:00:00" }, _ => { });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<JobWorkerOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("ConnectionStrings:Jobs", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("no handlers", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Worker:Concurrency", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Worker:PollInterval", StringComparison.Ordinal));
    }
}
