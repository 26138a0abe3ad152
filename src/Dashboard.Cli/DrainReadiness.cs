using System.Globalization;
using System.Text.Json.Serialization;
using Dashboard.Core.Readiness;

namespace Dashboard.Cli;

/// <summary>
/// <c>drain --grace 30s [--go-ahead]</c>: the drain is ready once a restart with that grace period would cut no
/// job mid-write. Every running job then either finishes within it, or is released with its checkpoint, or is re-run
/// from the start (idempotent); the console's deploy gate decides which, with the rule the worker's shutdown uses.
/// </summary>
/// <param name="Grace">The platform's grace period (Kubernetes' default 30 s); null: wait for nothing to run.</param>
/// <param name="GoAhead">Proceed even though unsafe jobs would be cut (they are named on standard error).</param>
public sealed record DrainReadiness(TimeSpan? Grace, bool GoAhead)
{
    /// <summary>A running job the gate names.</summary>
    public sealed record Job(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("leased_by")] string? LeasedBy,
        [property: JsonPropertyName("verdict")] string Verdict);

    /// <summary>The gate's query string: the grace period when there is one.</summary>
    public string Query => Grace is { } g ? $"?grace={Uri.EscapeDataString(GracePeriod.Format(g))}" : "";

    public long Unsafe(DrainCommand.Status status) => Count(status, Verdict.Unsafe);

    /// <summary>The verdict counts appended to each status line.</summary>
    public string Describe(DrainCommand.Status status) =>
        Grace is null || status.Verdicts is null
            ? ""
            : " " + string.Join(' ', Verdicts.All.Select(v => $"{Verdicts.Code(v)}={Count(status, v)}"));

    public string Ready(DrainCommand.Status status) =>
        $"Ready for a restart with a {GracePeriod.Format(Grace!.Value)} grace period: {Count(status, Verdict.Finishes)} finish, "
        + $"{Count(status, Verdict.Resumes)} resume from their checkpoint, {Count(status, Verdict.Reruns)} re-run from the start, "
        + $"{Count(status, Verdict.OverMaxRunTime)} over their maximum run time; none would be cut mid-write. "
        + "Intake stays paused; resume after the deploy.";

    public string Unsafely(DrainCommand.Status status) =>
        $"Going ahead (--go-ahead) although a restart with a {GracePeriod.Format(Grace!.Value)} grace period cuts "
        + $"{Unsafe(status)} job(s) mid-write: {Named(status)}. Intake stays paused; resume after the deploy.";

    public string Refusal(DrainCommand.Status status, TimeSpan maxDrain) =>
        $"Refusing: after {maxDrain.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s a restart with a "
        + $"{GracePeriod.Format(Grace!.Value)} grace period would still cut {Unsafe(status)} job(s) that are neither idempotent "
        + $"nor checkpointing: {Named(status)}. Wait for them, or pass --go-ahead to accept it.";

    private static long Count(DrainCommand.Status status, Verdict verdict) =>
        status.Verdicts?.GetValueOrDefault(Verdicts.Code(verdict)) ?? 0;

    private static string Named(DrainCommand.Status status)
    {
        var jobs = (status.Jobs ?? []).Where(j => j.Verdict == Verdicts.Code(Verdict.Unsafe)).ToList();
        return jobs.Count == 0
            ? "(not listed)"
            : string.Join(", ", jobs.Select(j => $"job {j.Id} ({j.Kind}, {j.LeasedBy ?? "no holder"})"));
    }
}
