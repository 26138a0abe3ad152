using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>The console's home: counts, kinds, leases and workers from the shared snapshot feed.</summary>
public sealed partial class OverviewPage : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _subscription;
    private FeedState _state = FeedState.Starting;
    private DateTimeOffset _receivedAt = DateTimeOffset.UtcNow;
    private bool _frozen;
    private FeedState? _waiting;

    [Inject] public required IDashboardState State { get; init; }

    [Inject] public required TimeProvider Clock { get; init; }

    /// <summary>The database's clock now, derived from the snapshot's time, so ages never depend on this server's clock.</summary>
    private DateTimeOffset Now => _state.Snapshot is { } s ? s.TakenAt + (Clock.GetUtcNow() - _receivedAt) : Clock.GetUtcNow();

    protected override void OnInitialized()
    {
        Apply(State.Current);
        _subscription = State.Subscribe(state => InvokeAsync(() =>
        {
            if (_frozen && state.Error is null)
            {
                // Frozen while the user reads; the newest state waits. Outages still show at once.
                _waiting = state;
            }
            else
            {
                Apply(state);
            }

            StateHasChanged();
        }));
        _ = TickAgesAsync(_stop.Token);
    }

    private void SetFrozen(bool frozen)
    {
        _frozen = frozen;
        if (!frozen && _waiting is { } waiting)
        {
            Apply(waiting);
        }

        _waiting = null;
    }

    private void Apply(FeedState state)
    {
        if (!ReferenceEquals(state.Snapshot, _state.Snapshot))
        {
            _receivedAt = Clock.GetUtcNow();
        }

        _state = state;
    }

    // Ages move every second even when the snapshot does not change.
    private async Task TickAgesAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }
}
