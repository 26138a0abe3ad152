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

    /// <inheritdoc cref="CheckpointAsync{T}(T, CancellationToken)"/>
    public async Task<bool> CheckpointJsonAsync(string json, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = await _claims.CheckpointAsync(Job.Lease, json, ct);
        if (result == LeaseResult.LeaseMovedOn)
        {
            _leaseLost();
            return false;
        }

        _checkpoint = json;
        return true;
    }
}
