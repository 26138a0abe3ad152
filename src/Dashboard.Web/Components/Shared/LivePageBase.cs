using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A page that follows the instance's feed: subscribes once, marshals updates with <c>InvokeAsync</c> and
/// unsubscribes on dispose. Ages are measured on the database's clock. The ages in tables (<see cref="Cells.Age"/>,
/// <see cref="AgeText"/>) move in the browser; a page that shows other figures that move with time (elapsed
/// durations, verdicts) sets <see cref="MovesWithTheClock"/> and is drawn again when a second has passed without a
/// new state.
/// </summary>
public abstract class LivePageBase : ComponentBase, IDisposable
{
    // For pages that move with the clock: drawn again when this long has passed since they were last drawn.
    private static readonly TimeSpan _clockStep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _clockCheck = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stop = new();
    private long _drawnAt;
    private IDisposable? _subscription;
    private DateTimeOffset _receivedAt;
    private DateTimeOffset _readAt;
    private DashboardSnapshot? _previous;
    private bool _reloading;
    private Func<Task>? _nextLoad;

    [Inject] public required IDashboardState State { get; init; }

    [Inject] public required TimeProvider Clock { get; init; }

    /// <summary>Cancelled when the page is closed: for the page's own background work.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>
    /// Whether the page shows figures that move with time other than ages: it is then drawn once a second while the
    /// feed is quiet. Every open tab is a circuit on this server; a page that needs no clock costs nothing between
    /// changes.
    /// </summary>
    protected virtual bool MovesWithTheClock => false;

    /// <summary>What the page shows now.</summary>
    protected FeedState Feed { get; private set; } = FeedState.Starting;

    /// <summary>
    /// The snapshot shown before the current one while a change is fresh (1.5 s), else null: counts that differ from
    /// it are highlighted. A reference to the shared snapshot, never a copy.
    /// </summary>
    protected DashboardSnapshot? ChangedSince =>
        _previous is not null && Clock.GetUtcNow() - _receivedAt < TimeSpan.FromSeconds(1.5) ? _previous : null;

    /// <summary>
    /// The database's clock now: the time of the last read when the page took its snapshot (a quiet feed reads on
    /// without publishing, so a snapshot's own time may be long past), moved on by this server's clock since. Ages
    /// thus never depend on the server's wall clock.
    /// </summary>
    protected DateTimeOffset Now => Feed.Snapshot is not null ? _readAt + (Clock.GetUtcNow() - _receivedAt) : Clock.GetUtcNow();

    protected override void OnInitialized()
    {
        Show(State.Current);
        _subscription = State.Subscribe(state => InvokeAsync(() =>
        {
            OnFeed(state);
            Draw();
        }));
        if (MovesWithTheClock)
        {
            _ = TickAsync(_stop.Token);
        }
    }

    /// <summary>A new state arrived; by default it is shown at once.</summary>
    protected virtual void OnFeed(FeedState state) => Show(state);

    protected void Show(FeedState state)
    {
        if (!ReferenceEquals(state.Snapshot, Feed.Snapshot))
        {
            _receivedAt = Clock.GetUtcNow();
            _previous = Feed.Snapshot;
            _readAt = state.Snapshot is { } s && State.LastReadAt is { } read && read > s.TakenAt ? read : state.Snapshot?.TakenAt ?? default;
        }

        Feed = state;
    }

    /// <summary>
    /// Reads the page's own data again (after a new snapshot) and shows it, one read at a time: a slow database never
    /// piles reads up behind each other. Calls while a read runs are not lost: one more read follows it (with the last
    /// call's <paramref name="load"/>), so a change that came during a read is shown even if no other change follows.
    /// </summary>
    protected void Reload(Func<Task> load)
    {
        _nextLoad = load;
        if (_reloading)
        {
            return;
        }

        _reloading = true;
        _ = InvokeAsync(async () =>
        {
            try
            {
                while (_nextLoad is { } next)
                {
                    _nextLoad = null;
                    await next();
                    StateHasChanged();
                }
            }
            finally
            {
                _reloading = false;
            }
        });
    }

    private void Draw()
    {
        Volatile.Write(ref _drawnAt, Clock.GetTimestamp());
        StateHasChanged();
    }

    // While the feed brings a new state every tick, the page moves with it and this draws nothing; on a quiet queue
    // it draws once a second.
    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_clockCheck, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Clock.GetElapsedTime(Volatile.Read(ref _drawnAt)) >= _clockStep)
                {
                    await InvokeAsync(Draw);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription?.Dispose();
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
