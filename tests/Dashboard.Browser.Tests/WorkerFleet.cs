using Dashboard.Worker;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Browser.Tests;

/// <summary>A real reference worker (its own host, its own connections) working the browser tests' kinds.</summary>
public sealed class WorkerFleet : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerFleet(IHost host) => _host = host;

    /// <summary>Jobs of kind browser.slow wait here until the test lets them finish.</summary>
    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<WorkerFleet> StartAsync(string connectionString, string workerId)
    {
        WorkerFleet? fleet = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddJobWorker(o =>
        {
            o.ConnectionString = connectionString;
            o.WorkerId = workerId;
            o.Concurrency = 4;
            o.PollInterval = TimeSpan.FromMilliseconds(100);
            o.MaxPollInterval = TimeSpan.FromMilliseconds(300);
            o.ShutdownBudget = TimeSpan.FromSeconds(2);
            o.Handle("browser.mail", (_, _, _) => Task.CompletedTask);
            o.Handle("browser.slow", (_, _, ct) => fleet!.SlowGate.Task.WaitAsync(ct));
        });
        var host = builder.Build();
        fleet = new WorkerFleet(host);
        await host.StartAsync();
        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        SlowGate.TrySetResult();
        await _host.StopAsync();
        _host.Dispose();
    }
}
