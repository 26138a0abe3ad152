using Dashboard.Core.Changes;

namespace Dashboard.Web.Tests.Shared;

/// <summary>An in-memory feed: tests push states and count subscriptions.</summary>
public sealed class FakeDashboardState(FeedState initial) : IDashboardState
{
    private readonly List<Func<FeedState, Task>> _subscribers = [];

    public FeedState Current { get; private set; } = initial;

    private DateTimeOffset? _readAt;

    /// <summary>The snapshot's time, or a later read that found nothing new (<see cref="MarkRead"/>).</summary>
    public DateTimeOffset? LastReadAt => _readAt ?? Current.Snapshot?.TakenAt;

    /// <summary>A read that found nothing new, as the snapshot loop records it without publishing.</summary>
    public void MarkRead(DateTimeOffset at) => _readAt = at;

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
    public void Set(FeedState state)
    {
        Current = state;
        _readAt = null;
    }

    public async Task PublishAsync(FeedState state)
    {
        Current = state;
        _readAt = null;
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
