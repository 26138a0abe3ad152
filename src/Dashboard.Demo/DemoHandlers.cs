using System.Text.Json;
using Dashboard.Core.Claims;
using Dashboard.Core.Demo;
using Dashboard.Worker;

namespace Dashboard.Demo;

/// <summary>
/// Synthetic handlers for the demo's kinds. A payload may steer them (tests do): <c>ms</c> (duration of a short
/// job), <c>steps</c>/<c>stepMs</c> (a long job), <c>fail</c> (true: always throw, false: never).
/// </summary>
public static class DemoHandlers
{
    /// <summary>Jobs of this kind hang: the handler waits forever and its lease is not heartbeat.</summary>
    public const string HangingKind = "webhook.deliver";

    /// <summary>Long kinds: a few seconds, one job in ten for minutes, checkpointing every step.</summary>
    public static IReadOnlyList<string> LongKinds { get; } = ["video.transcode", "report.build", "search.reindex", "ledger.reconcile"];

    /// <summary>Short kinds that fail now and then (the rest always succeed).</summary>
    public static IReadOnlyList<string> FailingKinds { get; } = ["email.send", "sms.send", "billing.invoice", "image.resize"];

    public static void Register(JobWorkerOptions options, DemoOptions demo)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(demo);
        foreach (var kind in DemoData.Kinds)
        {
            if (kind == HangingKind)
            {
                options.Handle(kind, HangAsync, h =>
                {
                    h.HeartbeatWhileRunning = false;
                    h.MaxConcurrency = 1;
                });
            }
            else if (LongKinds.Contains(kind))
            {
                options.Handle(kind, LongAsync, h => h.MaxConcurrency = 1);
            }
            else
            {
                var failureRate = FailingKinds.Contains(kind) ? demo.FailureRate : 0;
                options.Handle(kind, (job, context, ct) => ShortAsync(job, failureRate, ct));
            }
        }
    }

    private static async Task ShortAsync(ClaimedJob job, double failureRate, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(job.Payload);
        var ms = Int(payload, "ms") ?? Random.Shared.Next(10, 80);
        await Task.Delay(ms, ct);
        if (Bool(payload, "fail") ?? Random.Shared.NextDouble() < failureRate)
        {
            throw new DemoUpstreamException("demo: upstream returned 503");
        }
    }

    private static async Task LongAsync(ClaimedJob job, JobContext context, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(job.Payload);
        var minutesLong = job.Id % 10 == 0;
        var steps = Int(payload, "steps") ?? (minutesLong ? 30 + (int)(job.Id % 60) : 3 + (int)(job.Id % 6));
        var stepMs = Int(payload, "stepMs") ?? (minutesLong ? 2000 : 500);
        var done = context.GetCheckpoint<Progress>()?.Step ?? 0;
        for (var step = done; step < steps; step++)
        {
            // Stop at a step boundary when the worker is stopping: the job is released and resumes from here.
            context.ShutdownRequested.ThrowIfCancellationRequested();
            await Task.Delay(stepMs, ct);
            await context.CheckpointAsync(new Progress(step + 1, steps), ct);
        }
    }

    private static Task HangAsync(ClaimedJob job, JobContext context, CancellationToken ct) =>
        Task.Delay(Timeout.Infinite, ct);

    private static int? Int(JsonDocument payload, string name) =>
        payload.RootElement.ValueKind == JsonValueKind.Object
        && payload.RootElement.TryGetProperty(name, out var value)
        && value.TryGetInt32(out var number) ? number : null;

    private static bool? Bool(JsonDocument payload, string name) =>
        payload.RootElement.ValueKind == JsonValueKind.Object
        && payload.RootElement.TryGetProperty(name, out var value)
        && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private sealed record Progress(int Step, int Of);
}

/// <summary>The demo's synthetic failure.</summary>
public sealed class DemoUpstreamException(string message) : Exception(message);
