using Dashboard.Core.Singletons;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

public sealed class SingletonTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private static readonly TimeSpan _deadline = TimeSpan.FromSeconds(60);

    private IOptions<DashboardOptions> Options(TimeSpan? check = null) => Microsoft.Extensions.Options.Options.Create(new DashboardOptions
    {
        ConnectionString = db.ConnectionString,
        Singletons = new SingletonOptions
        {
            RetryInterval = TimeSpan.FromMilliseconds(200),
            CheckInterval = check ?? TimeSpan.FromMilliseconds(200),
        },
    });

    private SingletonLocks Locks(string instance) =>
        new(Options(), new InstanceIdentity(instance), NullLogger<SingletonLocks>.Instance);

    [Fact]
    public async Task OnlyOneInstanceHoldsAWorkName_UntilItLetsGo()
    {
        var a = Locks("instance-a");
        var b = Locks("instance-b");

        var leaseA = await a.TryAcquireAsync("t.exclusive", CancellationToken.None);
        var leaseB = await b.TryAcquireAsync("t.exclusive", CancellationToken.None);
        var other = await b.TryAcquireAsync("t.other-work", CancellationToken.None);
        var holder = await b.HolderAsync("t.exclusive", CancellationToken.None);

        Assert.NotNull(leaseA);
        Assert.Null(leaseB);
        Assert.NotNull(other);
        Assert.Equal("instance-a", holder);

        await leaseA.DisposeAsync();
        await using var taken = await b.TryAcquireAsync("t.exclusive", CancellationToken.None);
        Assert.NotNull(taken);
        Assert.Equal("instance-b", await a.HolderAsync("t.exclusive", CancellationToken.None));
        await other.DisposeAsync();
    }

    [Fact]
    public async Task Lease_IsLost_WhenItsSessionEnds_AndAnotherInstanceTakesOver()
    {
        var a = Locks("instance-dies");
        var b = Locks("instance-lives");
        await using var leaseA = await a.TryAcquireAsync("t.session", CancellationToken.None);
        Assert.NotNull(leaseA);

        // What PostgreSQL does when the holder's process dies: the session ends and its locks go with it.
        await db.PsqlAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @App",
            new { App = SingletonLocks.ApplicationNamePrefix + "t.session@instance-dies" });

        await Task.Delay(Timeout.Infinite, leaseA.Lost).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(_deadline);
        await using var leaseB = await b.TryAcquireAsync("t.session", CancellationToken.None);
        Assert.NotNull(leaseB);
        Assert.True(leaseA.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task Service_RunsOnOneInstance_AndTheOtherTakesOverWhenItStops()
    {
        var counters = new Counters();
        var first = new Probe("svc-a", Locks("svc-a"), Options(), counters);
        var second = new Probe("svc-b", Locks("svc-b"), Options(), counters);

        await first.StartAsync(CancellationToken.None);
        var leader = await first.Entered.Task.WaitAsync(_deadline);
        await second.StartAsync(CancellationToken.None);
        // The second instance keeps trying meanwhile; it must not get in while the first holds the lock.
        await second.Attempted(3).WaitAsync(_deadline);
        Assert.True(first.IsLeader);
        Assert.False(second.IsLeader);

        await first.StopAsync(CancellationToken.None);
        Assert.Equal("svc-b", await second.Entered.Task.WaitAsync(_deadline));
        Assert.Equal("svc-a", leader);
        Assert.Equal(1, counters.MaxRunning);
        await second.StopAsync(CancellationToken.None);
        first.Dispose();
        second.Dispose();
    }

    private sealed class Counters
    {
        public int Running;
        public int MaxRunning;
    }

    private sealed class Probe(string name, SingletonLocks locks, IOptions<DashboardOptions> options, Counters counters)
        : SingletonService(locks, options, NullLogger.Instance)
    {
        private readonly Lock _gate = new();
        private int _attempts;
        private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];

        public TaskCompletionSource<string> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string WorkName => "t.service";

        public Task Attempted(int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waits.Add((_attempts + count, done));
            }

            return done.Task;
        }

        protected override async Task RunAsLeaderAsync(CancellationToken ct)
        {
            var now = Interlocked.Increment(ref counters.Running);
            lock (counters)
            {
                counters.MaxRunning = Math.Max(counters.MaxRunning, now);
            }

            Entered.TrySetResult(name);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Interlocked.Decrement(ref counters.Running);
            }
        }

        protected override void OnAttempt(bool acquired)
        {
            lock (_gate)
            {
                _attempts++;
                foreach (var wait in _waits.Where(w => w.Count <= _attempts))
                {
                    wait.Done.TrySetResult();
                }
            }
        }
    }

}
