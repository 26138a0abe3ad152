using System.Text.Json.Serialization;
using Dashboard.Core.Claims;

namespace Dashboard.Core.Changes;

/// <summary>Where a worker is in its life, as the overview, the drain view and the deploy gate name it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkerPhase>))]
public enum WorkerPhase
{
    /// <summary>Alive and claiming.</summary>
    Running,

    /// <summary>An operator asked it to drain; it has not reported draining yet.</summary>
    DrainRequested,

    /// <summary>Alive, not claiming, still finishing jobs.</summary>
    Draining,

    /// <summary>Alive, not claiming, nothing in flight: safe to stop.</summary>
    Drained,

    /// <summary>Stopped cleanly and holds nothing.</summary>
    Stopped,

    /// <summary>No heartbeat within <c>WorkerStaleAfter</c>, stopped while still holding leases, or never registered.</summary>
    Gone,
}

/// <summary>The one rule deciding a worker's phase, and its words.</summary>
public static class WorkerPhases
{
    public static WorkerPhase Of(WorkerStatus w)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (!w.IsAlive)
        {
            return w.State == WorkerStates.Stopped && w.InFlight == 0 ? WorkerPhase.Stopped : WorkerPhase.Gone;
        }

        if (w.State == WorkerStates.Draining || w.DrainRequested)
        {
            return w.InFlight == 0 ? WorkerPhase.Drained
                : w.State == WorkerStates.Draining ? WorkerPhase.Draining
                : WorkerPhase.DrainRequested;
        }

        return WorkerPhase.Running;
    }

    public static string Label(WorkerPhase phase) => phase switch
    {
        WorkerPhase.Running => "running",
        WorkerPhase.DrainRequested => "drain requested",
        WorkerPhase.Draining => "draining",
        WorkerPhase.Drained => "drained",
        WorkerPhase.Stopped => "stopped",
        _ => "gone (no heartbeat)",
    };
}
