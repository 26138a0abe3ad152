namespace Dashboard.Core.Readiness;

/// <summary>
/// What a restart with a given grace period does to one running job. The rule that assigns it is written once,
/// in <see cref="ReadinessQueries"/>, and used by the drain view, the deploy gate, the CLI and the worker's shutdown.
/// </summary>
public enum Verdict
{
    /// <summary>Its expected remaining time fits the grace period: it finishes.</summary>
    Finishes,

    /// <summary>Its kind checkpoints: it is released with its checkpoint and resumes where it stopped.</summary>
    Resumes,

    /// <summary>Its kind is idempotent: it is requeued and re-run from the start (its work so far is lost).</summary>
    Reruns,

    /// <summary>Not idempotent, no checkpoints, and it won't finish: a restart cuts it off mid-write.</summary>
    Unsafe,

    /// <summary>It has run longer than its kind's maximum run time: probably stuck.</summary>
    OverMaxRunTime,
}

/// <summary>The verdicts' codes (as the SQL, the deploy gate and the CLI spell them) and their wording.</summary>
public static class Verdicts
{
    /// <summary>Every verdict, most urgent first (the order the drain view lists them in).</summary>
    public static IReadOnlyList<Verdict> All { get; } =
        [Verdict.Unsafe, Verdict.OverMaxRunTime, Verdict.Reruns, Verdict.Resumes, Verdict.Finishes];

    public static string Code(Verdict verdict) => verdict switch
    {
        Verdict.Finishes => "finishes",
        Verdict.Resumes => "resumes",
        Verdict.Reruns => "reruns",
        Verdict.Unsafe => "unsafe",
        Verdict.OverMaxRunTime => "over_max",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };

    public static Verdict Parse(string code)
    {
        foreach (var verdict in All)
        {
            if (Code(verdict) == code)
            {
                return verdict;
            }
        }

        throw new ArgumentException($"Unknown verdict '{code}'.", nameof(code));
    }

    /// <summary>A short label for a summary.</summary>
    public static string Label(Verdict verdict) => verdict switch
    {
        Verdict.Finishes => "Finishes in time",
        Verdict.Resumes => "Released, resumes from checkpoint",
        Verdict.Reruns => "Requeued, re-run from the start",
        Verdict.Unsafe => "Unsafe: cut mid-write",
        Verdict.OverMaxRunTime => "Over its maximum run time",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };

    /// <summary>What happens to one job, in a sentence.</summary>
    public static string Explain(RunningJobReadiness job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Verdict switch
        {
            Verdict.Finishes => "finishes within the grace period",
            Verdict.Resumes => job.Progress is { } p
                ? $"released with its checkpoint; resumes at {Percent(p)} %"
                : "released with its checkpoint; resumes from it",
            Verdict.Reruns => "won't finish: requeued and re-run from the start (idempotent)",
            Verdict.Unsafe => job.Idempotent is null
                ? "won't finish, and its kind declares neither idempotence nor checkpoints: cut mid-write"
                : "won't finish and is not idempotent: cut mid-write",
            Verdict.OverMaxRunTime => "past its kind's maximum run time: probably stuck",
            _ => throw new ArgumentOutOfRangeException(nameof(job)),
        };
    }

    /// <summary>Progress as a whole percentage, rounded down (stored progress is single precision: 0.9 reads 0.8999999).</summary>
    public static string Percent(double progress) =>
        Math.Floor((progress * 100) + 1e-4).ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}
