using System.Text.Json;
using Dashboard.Core.Claims;

namespace Dashboard.Worker;

/// <summary>What a handler may do besides its work: read the payload and the last checkpoint, store a checkpoint.</summary>
public sealed class JobContext
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private readonly JobClaims _claims;
    private readonly Action _leaseLost;
    private string? _checkpoint;

    internal JobContext(ClaimedJob job, string workerId, JobClaims claims, Action leaseLost, CancellationToken shutdownRequested)
    {
        Job = job;
        WorkerId = workerId;
        _claims = claims;
        _checkpoint = job.Checkpoint;
        ShutdownRequested = shutdownRequested;
        _leaseLost = leaseLost;
    }

    /// <summary>The job being run.</summary>
    public ClaimedJob Job { get; }

    /// <summary>The identity of the worker running it (<c>host:pid</c>).</summary>
    public string WorkerId { get; }

    /// <summary>
    /// Cancelled as soon as the worker starts stopping. The job may still finish within the shutdown budget; a
    /// long job can checkpoint and throw <see cref="OperationCanceledException"/> to be released at once.
    /// </summary>
    public CancellationToken ShutdownRequested { get; }

    /// <summary>The last checkpoint (this attempt's or an earlier one's) as JSON text; null when there is none.</summary>
    public string? CheckpointJson => _checkpoint;

    /// <summary>The payload, deserialized (web defaults: camelCase).</summary>
    public T? GetPayload<T>() => JsonSerializer.Deserialize<T>(Job.Payload, _json);

    /// <summary>The last checkpoint, deserialized; default when there is none.</summary>
    public T? GetCheckpoint<T>() => _checkpoint is null ? default : JsonSerializer.Deserialize<T>(_checkpoint, _json);

    /// <summary>
    /// Stores <paramref name="value"/> as the job's checkpoint (and extends the lease). Returns false when the lease
    /// moved on; the handler's token is then cancelled and its result will not be recorded.
    /// </summary>
    public Task<bool> CheckpointAsync<T>(T value, CancellationToken ct = default) =>
        CheckpointJsonAsync(JsonSerializer.Serialize(value, _json), ct);

    /// <summary>
    /// Stores <paramref name="checkpoint"/> with the job's progress, a fraction from 0 to 1: the console shows it,
    /// estimates the job's remaining time from it, and a released job resumes at it. Returns false when the lease
    /// moved on, as <see cref="CheckpointAsync{T}(T, CancellationToken)"/> does.
    /// </summary>
    public Task<bool> ReportProgressAsync<T>(T checkpoint, double progress, CancellationToken ct = default)
    {
        if (!(progress >= 0 && progress <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(progress), progress, "Progress is a fraction from 0 to 1.");
        }

        return CheckpointJsonAsync(JsonSerializer.Serialize(checkpoint, _json), progress, ct);
    }

    /// <summary>Stores <paramref name="checkpoint"/> with progress as <paramref name="done"/> of <paramref name="total"/> items.</summary>
    public Task<bool> ReportProgressAsync<T>(T checkpoint, long done, long total, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(done);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(done, total);
        return ReportProgressAsync(checkpoint, (double)done / total, ct);
    }

    /// <inheritdoc cref="CheckpointAsync{T}(T, CancellationToken)"/>
    public Task<bool> CheckpointJsonAsync(string json, CancellationToken ct = default) => CheckpointJsonAsync(json, null, ct);

    private async Task<bool> CheckpointJsonAsync(string json, double? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = await _claims.CheckpointAsync(Job.Lease, json, progress, ct);
        if (result == LeaseResult.LeaseMovedOn)
        {
            _leaseLost();
            return false;
        }

        _checkpoint = json;
        return true;
    }
}
