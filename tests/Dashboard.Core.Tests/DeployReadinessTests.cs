using Dashboard.Core.Readiness;
using Dashboard.Testing;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

public sealed class DeployReadinessTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Get_SharesOneReportPerGracePeriodWithinATick_AndReadsAgainAfterIt()
    {
        var clock = new ManualClock();
        var readiness = new DeployReadiness(
            new ReadinessQueries(db.Db), Options.Create(new DashboardOptions { SnapshotInterval = TimeSpan.FromSeconds(1) }), clock);

        var first = await readiness.GetAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var sameTick = await readiness.GetAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var otherGrace = await readiness.GetAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        clock.Now += TimeSpan.FromSeconds(1);
        var nextTick = await readiness.GetAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Same(first, sameTick);
        Assert.NotSame(first, otherGrace);
        Assert.Equal(TimeSpan.FromSeconds(60), otherGrace.Grace);
        Assert.NotSame(first, nextTick);
    }
}
