using Dashboard.Core.Singletons;
using Dashboard.Core.Workers;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

public sealed class WorkerPruningTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Prune_DeletesOnlyWorkersStoppedLongerThanTheRetention()
    {
        await db.PsqlAsync("""
            INSERT INTO workers (id, host, pid, state, stopped_at) VALUES
              ('old:1', 'old', 1, 'stopped', now() - interval '8 days'),
              ('recent:2', 'recent', 2, 'stopped', now() - interval '6 days');
            INSERT INTO workers (id, host, pid, state, heartbeat_at) VALUES ('silent:3', 'silent', 3, 'running', now() - interval '30 days');
            """);
        var options = Options.Create(new DashboardOptions { StoppedWorkerRetention = TimeSpan.FromDays(7) });
        var pruning = new WorkerPruning(db.Db, new SingletonLocks(options, new InstanceIdentity(), NullLogger<SingletonLocks>.Instance), options, NullLogger<WorkerPruning>.Instance);

        var pruned = await pruning.PruneAsync(CancellationToken.None);

        Assert.Equal(1, pruned);
        Assert.Equal(["recent:2", "silent:3"], await db.QueryAsync<string>("SELECT id FROM workers ORDER BY id"));
    }
}
