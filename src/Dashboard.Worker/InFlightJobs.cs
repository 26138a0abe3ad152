using System.Collections.Concurrent;
using Dashboard.Core.Claims;

namespace Dashboard.Worker;

/// <summary>
/// The jobs this worker holds and its slots: one slot per job it may run at once (<see cref="JobWorkerOptions.Concurrency"/>).
/// The claim scheduler takes slots before it claims; a finished job gives its slot back.
/// </summary>
internal sealed class InFlightJobs(int concurrency) : IDisposable
{
    private readonly ConcurrentDictionary<long, RunningJob> _running = new();
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);

    public int Count => _running.Count;

    public bool IsEmpty => _running.IsEmpty;

    public ICollection<RunningJob> All => _running.Values;

    public bool TryGet(long jobId, out RunningJob running) => _running.TryGetValue(jobId, out running!);

    public void Add(RunningJob running) => _running[running.Job.Id] = running;

    /// <summary>Forgets a finished job and gives its slot back.</summary>
    public void Finish(RunningJob running)
    {
        _running.TryRemove(running.Job.Id, out _);
        _slots.Release();
    }

    /// <summary>Waits for one free slot, then takes every other free one at once; 0 when <paramref name="ct"/> ended the wait.</summary>
    public async Task<int> TakeFreeSlotsAsync(CancellationToken ct)
    {
        try
        {
            await _slots.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        var free = 1;
        while (free < concurrency && _slots.Wait(0, CancellationToken.None))
        {
            free++;
        }

        return free;
    }

    public void ReturnSlots(int count)
    {
        if (count > 0)
        {
            _slots.Release(count);
        }
    }

    public Dictionary<string, int> CountByKind() =>
        _running.Values.GroupBy(r => r.Job.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>True when every job held now has finished within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitAllAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(_running.Values.Select(r => r.Completion)).WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return _running.IsEmpty;
        }
    }

    public void Dispose() => _slots.Dispose();
}

/// <summary>One job being run: its claim, its handler, and whether its lease was found lost.</summary>
internal sealed class RunningJob(ClaimedJob job, JobHandlerRegistration registration) : IDisposable
{
    public ClaimedJob Job { get; } = job;

    public JobHandlerRegistration Registration { get; } = registration;

    public CancellationTokenSource LeaseLost { get; } = new();

    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>The handler returned; the outcome is being written, so heartbeats no longer matter.</summary>
    public volatile bool Finishing;

    public void MarkLeaseLost()
    {
        try
        {
            LeaseLost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job already finished.
        }
    }

    public void Dispose() => LeaseLost.Dispose();
}
