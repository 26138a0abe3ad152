using System.Text.Json;
using Dashboard.Core.Claims;
using Dashboard.Core.Demo;
using Dashboard.Worker;

namespace Dashboard.Demo;

/// <summary>
/// Synthetic handlers for the demo's kinds. A payload may steer them (tests do): <c>ms</c> (duration of a short
/// job), <c>steps</c>/<c>stepMs</c> (a long job), <c>fail</c> (true: always throw, false: never).
/// Their shutdown facts make a mix in which every deploy-readiness verdict can be seen: short idempotent kinds,
/// resumable long kinds that report progress, <see cref="UnsafeKind"/> (long, neither idempotent nor checkpointing),
/// a short non-idempotent kind (billing.invoice) and <see cref="HangingKind"/> with a maximum run time its hung jobs exceed.
/// </summary>
public static class DemoHandlers
{
    /// <summary>Jobs of this kind hang: the handler waits forever and its lease is not heartbeat.</summary>
    public const string HangingKind = "webhook.deliver";

    /// <summary>Long kinds: a few seconds, one job in ten for minutes, checkpointing every step (except <see cref="UnsafeKind"/>).</summary>
    public static IReadOnlyList<string> LongKinds { get; } = ["video.transcode", "report.build", "search.reindex", "ledger.reconcile"];

    /// <summary>A long kind that neither checkpoints nor is idempotent: a restart cuts its jobs mid-write.</summary>
    public const string UnsafeKind = "ledger.reconcile";

    /// <summary>A short kind that is not idempotent (charging twice is not harmless); it usually finishes in time.</summary>
    public const string NonIdempotentShortKind = "billing.invoice";

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
                    h.Idempotent = true;
                    h.Checkpoints = false;
                    h.MaxRunTime = demo.HangMaxRunTime;
                });
            }
            else if (kind == UnsafeKind)
            {
                options.Handle(kind, (job, context, ct) => LongAsync(job, context, checkpoint: false, ct), h =>
                {
                    h.MaxConcurrency = 1;
                    h.Idempotent = false;
                    h.Checkpoints = false;
                });
            }
            else if (LongKinds.Contains(kind))
            {
                options.Handle(kind, (job, context, ct) => LongAsync(job, context, checkpoint: true, ct), h =>
                {
                    h.MaxConcurrency = 1;
                    h.Idempotent = true;
                    h.Checkpoints = true;
                });
            }
            else
            {
                var failureRate = FailingKinds.Contains(kind) ? demo.FailureRate : 0;
                options.Handle(kind, (job, context, ct) => ShortAsync(job, failureRate, ct), h =>
                {
                    h.Idempotent = kind != NonIdempotentShortKind;
                    h.Checkpoints = false;
                });
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

    private static async Task LongAsync(ClaimedJob job, JobContext context, bool checkpoint, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(job.Payload);
        var minutesLong = job.Id % 10 == 0;
        var steps = Int(payload, "steps") ?? (minutesLong ? 30 + (int)(job.Id % 60) : 3 + (int)(job.Id % 6));
        var stepMs = Int(payload, "stepMs") ?? (minutesLong ? 2000 : 500);
        var done = context.GetCheckpoint<Progress>()?.Step ?? 0;
        for (var step = done; step < steps; step++)
        {
            // On shutdown ct is cancelled at once when this job can't finish within the budget (it is released and
            // resumes from its last checkpoint); a job that can finish keeps going.
            await Task.Delay(stepMs, ct);
            if (checkpoint)
            {
                await context.ReportProgressAsync(new Progress(step + 1, steps), step + 1, steps, ct);
            }
        }
    }

    // Hangs until cancelled: by the kind's maximum run time (a failed attempt) or by the shutdown (released).
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
