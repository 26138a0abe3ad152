using System.Text.Json;

namespace Dashboard.Core.Jobs;

/// <summary>Reads <c>jobs.error_history</c>, written by the worker contract's fail statement.</summary>
internal static class JobErrorHistory
{
    /// <summary>The history as stored (a JSON array); an empty list for null or anything that is not an array.</summary>
    public static List<JobError> Parse(string? json)
    {
        if (json is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. document.RootElement.EnumerateArray().Select(e => new JobError(
            e.TryGetProperty("at", out var at) && at.TryGetDateTimeOffset(out var when) ? when.ToUniversalTime() : DateTimeOffset.MinValue,
            e.TryGetProperty("attempt", out var attempt) && attempt.TryGetInt32(out var n) ? n : 0,
            e.TryGetProperty("worker", out var worker) && worker.ValueKind == JsonValueKind.String ? worker.GetString() : null,
            e.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() ?? "" : ""))];
    }
}
