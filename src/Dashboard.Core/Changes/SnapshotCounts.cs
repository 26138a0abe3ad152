using Dashboard.Core.Jobs;
using static Dashboard.Core.Changes.SnapshotRows;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Changes;

/// <summary>Adds the snapshot's counts up per state and per kind.</summary>
internal static class SnapshotCounts
{
    public static List<StateCount> SumStates(List<LiveCount> live, SlowCounts slow, int cap)
    {
        var states = new List<StateCount>();
        foreach (var group in live.GroupBy(r => r.State, StringComparer.Ordinal))
        {
            states.Add(new StateCount(group.Key, group.Sum(r => r.Count), group.Any(r => r.IsEstimate)));
        }

        var liveTotal = live.Sum(r => r.Count);
        var finished = slow.Finished;
        var estimates = slow.Estimates;
        var finishedByState = JobStates.Known.Where(JobStates.IsFinished).ToDictionary(
            s => s,
            s => (Sum: finished.Where(r => r.State == s).Sum(r => r.Count), Capped: finished.Any(r => r.State == s && r.Count >= cap)),
            StringComparer.Ordinal);

        foreach (var (state, (sum, capped)) in finishedByState)
        {
            var count = sum;
            if (capped)
            {
                var other = finishedByState.Single(f => f.Key != state).Value;
                var fromTotal = estimates.TotalRows - liveTotal - (other.Capped ? 0 : other.Sum);
                var fromStats = (long)(estimates.TotalRows * estimates.FrequencyOf(state));
                // Only one finished state above the cap: the total tells it; both: split by the planner's shares.
                var estimate = other.Capped ? fromStats : fromTotal;
                count = Math.Max(sum, estimate);
            }

            states.Add(new StateCount(state, count, capped));
        }

        foreach (var known in JobStates.Known.Where(k => states.All(s => s.State != k)))
        {
            states.Add(new StateCount(known, 0, false));
        }

        return [.. states.OrderBy(s => Order(s.State)).ThenBy(s => s.State, StringComparer.Ordinal)];
    }

    public static List<KindStatus> BuildKinds(
        List<LiveCount> live,
        SlowCounts slow,
        List<LeaseAggregateRow> leases,
        Dictionary<string, KindRow> settings,
        TimeSpan defaultLeaseTimeout,
        int cap,
        IReadOnlyCollection<string>? alsoShown = null)
    {
        var liveByKind = live.ToLookup(r => r.Kind, StringComparer.Ordinal);
        var finishedByKind = slow.Finished.Where(r => r.Count > 0).ToLookup(r => r.Kind, StringComparer.Ordinal);
        var stuckByKind = leases.Where(l => l.Overall == 0 && l.Kind is not null)
            .ToDictionary(l => l.Kind!, l => l.Stuck, StringComparer.Ordinal);
        var names = live.Select(r => r.Kind).Concat(slow.Finished.Select(r => r.Kind)).Concat(settings.Keys).Concat(alsoShown ?? [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var kinds = new List<KindStatus>();
        foreach (var name in names)
        {
            // Runs for every kind at every tick, watched or not: a list and a sort per kind, nothing more.
            var counts = new List<StateCount>();
            DateTimeOffset? oldest = null;
            foreach (var r in liveByKind[name])
            {
                counts.Add(new StateCount(r.State, r.Count, r.IsEstimate));
                oldest = r.OldestQueuedAt is { } at && (oldest is null || at < oldest) ? at : oldest;
            }

            foreach (var r in finishedByKind[name])
            {
                counts.Add(new StateCount(r.State, r.Count, r.Count >= cap));
            }

            counts.Sort(_byState);
            settings.TryGetValue(name, out var s);
            kinds.Add(new KindStatus(
                name, counts, oldest, s?.LeaseTimeout ?? defaultLeaseTimeout, s?.Paused ?? false,
                s?.PausedBy, Utc(s?.PausedAt), s?.PauseReason, Utc(s?.PauseExpiresAt), stuckByKind.GetValueOrDefault(name)));
        }

        return kinds;
    }

    // The known states in their order, then any other state by name (a kind has each state at most once).
    private static readonly Comparison<StateCount> _byState = (a, b) =>
        Order(a.State) != Order(b.State) ? Order(a.State).CompareTo(Order(b.State)) : string.CompareOrdinal(a.State, b.State);

    private static int Order(string state)
    {
        for (var i = 0; i < JobStates.Known.Count; i++)
        {
            if (JobStates.Known[i] == state)
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
