using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Dashboard.Testing;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker.Tests;

/// <summary>
/// In-process workers on the test database, each with its own connection pool, fast polling and no reclaim (tests
/// reclaim explicitly). Stopped and disposed with the test.
/// </summary>
public sealed class TestWorkers(TestDatabase db) : IAsyncDisposable
{
    private readonly List<(JobWorker Worker, Db Db)> _workers = [];

    public async Task<JobWorker> StartAsync(string id, Action<JobWorkerOptions> configure, ListLogger<JobWorker>? logger = null)
    {
        var options = new JobWorkerOptions
        {
            ConnectionString = db.ConnectionString,
            WorkerId = id,
            PollInterval = TimeSpan.FromMilliseconds(20),
            MaxPollInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            ReclaimExpiredLeases = false,
            ShutdownBudget = TimeSpan.FromSeconds(5),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        configure(options);
        var validation = new ValidateJobWorkerOptions().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        var workerDb = WorkerDb.Create(db.ConnectionString);
        var worker = new JobWorker(new JobClaims(workerDb), new WorkerRegistry(workerDb), Options.Create(options), logger ?? new ListLogger<JobWorker>());
        _workers.Add((worker, workerDb));
        await worker.StartAsync(CancellationToken.None);
        return worker;
    }

    /// <summary>Stops every worker the way the host does on SIGTERM; their connection pools stay open.</summary>
    public async Task StopAllAsync()
    {
        await Task.WhenAll(_workers.Select(w => w.Worker.StopAsync(CancellationToken.None)));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        foreach (var (worker, workerDb) in _workers)
        {
            worker.Dispose();
            await workerDb.DisposeAsync();
        }
    }
}
