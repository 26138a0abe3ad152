using Dashboard.Core.Changes;

namespace Dashboard.Core.Alerts;

/// <summary>
/// Which rules are breached now: a pure function of the rules, the snapshot, the recent failure counts and the stuck
/// leases per kind (both read in SQL over all rows, never from the snapshot's first page of leases).
/// </summary>
public static class AlertRules
{
    /// <summary>Finished counts of one kind over a rule's window (from the history).</summary>
    public sealed record Finished(long Completed, long Failed);

    /// <summary>A kind's stuck leases (the one stuck rule, over all its processing jobs) and how long past its lease timeout the longest is.</summary>
    public sealed record Stuck(long Count, double LongestSeconds);

    public static IReadOnlyList<AlertBreach> Evaluate(
        IEnumerable<AlertRule> rules,
        DashboardSnapshot snapshot,
        Func<int, IReadOnlyDictionary<string, Finished>> finishedOverMinutes,
        IReadOnlyDictionary<string, Stuck> stuckByKind)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(finishedOverMinutes);
        ArgumentNullException.ThrowIfNull(stuckByKind);
        var now = snapshot.TakenAt;
        var breaches = new List<AlertBreach>();
        foreach (var rule in rules.Where(r => r.Enabled))
        {
            var kinds = snapshot.Kinds.Where(k => rule.Kind is null || k.Kind == rule.Kind).ToList();
            switch (rule.Condition)
            {
                case AlertConditions.BacklogAbove:
                    foreach (var k in kinds.Where(k => Backlog(k) > rule.Threshold))
                    {
                        breaches.Add(Breach(rule, k.Kind, Backlog(k), $"{k.Kind}: backlog {Backlog(k)} jobs (above {rule.Threshold:0})"));
                    }

                    break;
                case AlertConditions.OldestQueuedOlderThan:
                    foreach (var k in kinds.Where(k => k.OldestQueuedAt is not null))
                    {
                        var age = (now - k.OldestQueuedAt!.Value).TotalSeconds;
                        if (age > rule.Threshold)
                        {
                            breaches.Add(Breach(rule, k.Kind, age, $"{k.Kind}: oldest queued job waiting {age:0} s (over {rule.Threshold:0} s)"));
                        }
                    }

                    break;
                case AlertConditions.FailureRateAbove:
                    var finished = finishedOverMinutes(rule.WindowMinutes);
                    foreach (var (kind, counts) in finished.Where(f => rule.Kind is null || f.Key == rule.Kind))
                    {
                        var total = counts.Completed + counts.Failed;
                        var rate = total == 0 ? 0 : 100.0 * counts.Failed / total;
                        if (total > 0 && rate > rule.Threshold)
                        {
                            breaches.Add(Breach(rule, kind, rate,
                                $"{kind}: {rate:0.#} % of {total} jobs failed in the last {rule.WindowMinutes} min (over {rule.Threshold:0.#} %)"));
                        }
                    }

                    break;
                case AlertConditions.StuckLongerThan:
                    foreach (var (kind, stuck) in stuckByKind.Where(s => (rule.Kind is null || s.Key == rule.Kind) && s.Value.Count > 0))
                    {
                        if (stuck.LongestSeconds > rule.Threshold)
                        {
                            breaches.Add(Breach(rule, kind, stuck.LongestSeconds,
                                $"{kind}: {stuck.Count} stuck lease(s), the longest stuck for {stuck.LongestSeconds:0} s (over {rule.Threshold:0} s)"));
                        }
                    }

                    break;
                case AlertConditions.IntakePausedLongerThan when rule.Kind is null:
                    var intake = snapshot.Intake;
                    var paused = (now - intake.ChangedAt).TotalSeconds;
                    if (!intake.Accepting && paused > rule.Threshold)
                    {
                        breaches.Add(Breach(rule, "*", paused,
                            $"intake paused for {paused:0} s by {intake.ChangedBy ?? "unknown"} (over {rule.Threshold:0} s): {intake.Reason}"));
                    }

                    break;
                case AlertConditions.IntakePausedLongerThan:
                    foreach (var k in kinds.Where(k => k.Paused && k.PausedAt is not null))
                    {
                        var pausedFor = (now - k.PausedAt!.Value).TotalSeconds;
                        if (pausedFor > rule.Threshold)
                        {
                            breaches.Add(Breach(rule, k.Kind, pausedFor,
                                $"{k.Kind}: paused for {pausedFor:0} s by {k.PausedBy ?? "unknown"} (over {rule.Threshold:0} s)"));
                        }
                    }

                    break;
            }
        }

        return breaches;
    }

    private static long Backlog(KindStatus k) => k.CountOf("queued").Count + k.CountOf("paused").Count;

    private static AlertBreach Breach(AlertRule rule, string subject, double value, string message) =>
        new(rule.Id, rule.Name, subject, value, $"[{rule.Name}] {message}");
}
