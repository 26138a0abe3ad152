using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Dashboard.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Benchmarks;

/// <summary>Reference workers with empty handlers on one kind, each on its own data source, polling fast.</summary>
internal sealed class BenchFleet : IAsyncDisposable
{
    private readonly List<(JobWorker Worker, Db Db)> _workers;

    private BenchFleet(List<(JobWorker Worker, Db Db)> workers) => _workers = workers;

    /// <summary>Jobs completed by the whole fleet so far.</summary>
    public long CompletedCount => _workers.Sum(w => w.Worker.CompletedCount);

    public static async Task<BenchFleet> StartAsync(string connectionString, int workers, string kind)
    {
        var fleet = new BenchFleet(Enumerable.Range(0, workers).Select(i =>
        {
            var options = new JobWorkerOptions
            {
                WorkerId = $"bench:{i}",
                Concurrency = 1,
                PollInterval = TimeSpan.FromMilliseconds(10),
                MaxPollInterval = TimeSpan.FromMilliseconds(50),
                ReclaimExpiredLeases = false,
            };
            options.Handle(kind, (_, _, _) => Task.CompletedTask);
            var db = WorkerDb.Create(connectionString);
            return (Worker: new JobWorker(new JobClaims(db), new WorkerRegistry(db), Options.Create(options), NullLogger<JobWorker>.Instance), Db: db);
        }).ToList());
        foreach (var (worker, _) in fleet._workers)
        {
            await worker.StartAsync(CancellationToken.None);
        }

        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (worker, db) in _workers)
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
            await db.DisposeAsync();
        }
    }
}
