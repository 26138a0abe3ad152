namespace Dashboard.Worker;

/// <summary>The worker's fixed delays, factors and batch sizes (the tunable ones are in <see cref="JobWorkerOptions"/>).</summary>
internal static class WorkerTimings
{
    /// <summary>First wait after registration failed (the database is unreachable at start).</summary>
    public static readonly TimeSpan FirstRegisterRetry = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between registration attempts.</summary>
    public static readonly TimeSpan MaxRegisterRetry = TimeSpan.FromSeconds(30);

    /// <summary>Each failed registration attempt multiplies the wait by this.</summary>
    public const double RegisterBackoffFactor = 2;

    /// <summary>Each failed claim multiplies the poll wait by this, up to <see cref="JobWorkerOptions.MaxPollInterval"/>.</summary>
    public const double ClaimErrorBackoffFactor = 2;

    /// <summary>Each claim that found nothing multiplies the poll wait by this, up to <see cref="JobWorkerOptions.MaxPollInterval"/>.</summary>
    public const double IdleBackoffFactor = 1.5;

    /// <summary>Leases are extended this many times per lease timeout, so missed beats still leave the lease alive.</summary>
    public const int BeatsPerLeaseTimeout = 3;

    /// <summary>Shortest time between heartbeats, however short a lease timeout.</summary>
    public static readonly TimeSpan MinHeartbeat = TimeSpan.FromMilliseconds(50);

    /// <summary>After the shutdown budget, how long handlers get to honour their cancelled token before their jobs are released.</summary>
    public static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(1);

    /// <summary>Most expired leases reclaimed per reclaim pass.</summary>
    public const int ReclaimBatchSize = 100;

    public static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Waits <paramref name="delay"/>; false when <paramref name="ct"/> ended the wait.</summary>
    public static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

}
