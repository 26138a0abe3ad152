using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Core.Changes;

/// <summary>Holds the latest state and fans it out to subscribers. One per app instance.</summary>
public sealed class ChangeFeed(ILogger<ChangeFeed>? logger = null) : IDashboardState
{
    private readonly ILogger _logger = logger ?? NullLogger<ChangeFeed>.Instance;
    private ImmutableList<Func<FeedState, Task>> _subscribers = [];
    private FeedState _current = FeedState.Starting;
    private long _lastReadTicks;

    public FeedState Current => Volatile.Read(ref _current);

    public DateTimeOffset? LastReadAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastReadTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Records a successful read that found nothing new to publish.</summary>
    public void MarkRead(DateTimeOffset at) => Interlocked.Exchange(ref _lastReadTicks, at.UtcTicks);

    public IDisposable Subscribe(Func<FeedState, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _subscribers, list => list.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _subscribers, list => list.Remove(handler)));
    }

    /// <summary>
    /// Stores <paramref name="state"/> and hands it to every subscriber at once, each on the thread pool: a slow
    /// subscriber does not delay the others, and a failing one does not stop them. Completes when every subscriber
    /// has taken it.
    /// </summary>
    /// <remarks>
    /// A subscriber is an open tab, which draws its page before it returns (a circuit runs <c>InvokeAsync</c> inline
    /// when it is idle). Called one after the other, 200 tabs were drawn on the publishing thread alone, one core of
    /// the machine's, and the last tab waited for the 199 before it; on the pool every core draws.
    /// </remarks>
    public Task PublishAsync(FeedState state)
    {
        Volatile.Write(ref _current, state);
        if (state.IsHealthy)
        {
            MarkRead(state.Snapshot!.TakenAt);
        }

        return Task.WhenAll(_subscribers.Select(subscriber => Task.Run(() => DeliverAsync(subscriber, state))));
    }

    private async Task DeliverAsync(Func<FeedState, Task> subscriber, FeedState state)
    {
        try
        {
            await subscriber(state);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A change feed subscriber failed");
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
