using Dashboard.Core.Changes;

namespace Dashboard.Core.Tests;

public sealed class ChangeFeedTests
{
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(1);

    [Fact]
    public Task SlowSubscriber_DoesNotDelayTheOthers()
    {
        var slowGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return AssertTheOthersGoOnAsync(async _ => await slowGate.Task, slowGate.SetResult);
    }

    // A tab draws its page inside its handler, without awaiting anything: the others must not wait for it, and neither
    // must the publisher (the snapshot loop).
    [Fact]
    public async Task SubscriberBusyWithoutAwaiting_DelaysNeitherTheOthersNorThePublisher()
    {
        using var busyGate = new ManualResetEventSlim();
        await AssertTheOthersGoOnAsync(_ =>
        {
            busyGate.Wait(_bound);
            return Task.CompletedTask;
        }, busyGate.Set);
    }

    [Fact]
    public async Task FailingSubscriber_DoesNotStopTheOthers()
    {
        var feed = new ChangeFeed();
        var got = 0;
        using var failing = feed.Subscribe(_ => throw new InvalidOperationException("boom"));
        using var counting = feed.Subscribe(_ =>
        {
            Interlocked.Increment(ref got);
            return Task.CompletedTask;
        });

        await feed.PublishAsync(FeedState.Starting).WaitAsync(_bound);

        Assert.Equal(1, got);
    }

    // A subscriber held until released: another one gets the state at once, and publishing ends after both.
    private static async Task AssertTheOthersGoOnAsync(Func<FeedState, Task> held, Action release)
    {
        var feed = new ChangeFeed();
        var fastGot = new TaskCompletionSource<FeedState>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = feed.Subscribe(held);
        using var fast = feed.Subscribe(state =>
        {
            fastGot.TrySetResult(state);
            return Task.CompletedTask;
        });
        var state = new FeedState(null, "down", DateTimeOffset.UnixEpoch);

        var publishing = feed.PublishAsync(state);
        var got = await fastGot.Task.WaitAsync(_bound);

        Assert.Same(state, got);
        Assert.False(publishing.IsCompleted);
        release();
        await publishing.WaitAsync(_bound);
    }
}
