using Dashboard.Core.Changes;

namespace Dashboard.Web.Tests.Shared;

/// <summary>An in-memory feed: tests push states and count subscriptions.</summary>
public sealed class FakeDashboardState(FeedState initial) : IDashboardState
{
    private readonly List<Func<FeedState, Task>> _subscribers = [];

    public FeedState Current { get; private set; } = initial;

    public DateTimeOffset? LastReadAt => Current.Snapshot?.TakenAt;

    public int SubscriberCount
    {
        get
        {
            lock (_subscribers)
            {
                return _subscribers.Count;
            }
        }
    }

    public IDisposable Subscribe(Func<FeedState, Task> handler)
    {
        lock (_subscribers)
        {
            _subscribers.Add(handler);
        }

        return new Unsubscribe(() =>
        {
            lock (_subscribers)
            {
                _subscribers.Remove(handler);
            }
        });
    }

    /// <summary>Sets the state a component will find when it first renders.</summary>
    public void Set(FeedState state) => Current = state;

    public async Task PublishAsync(FeedState state)
    {
        Current = state;
        Func<FeedState, Task>[] targets;
        lock (_subscribers)
        {
            targets = [.. _subscribers];
        }

        foreach (var target in targets)
        {
            await target(state);
        }
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
