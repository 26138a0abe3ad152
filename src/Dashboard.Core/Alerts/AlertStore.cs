using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Alerts;

/// <summary>
/// The alert rules and events in the database: the SQL of alerting, except editing a rule, which is an operator action
/// (<see cref="Actions.SaveAlertRule"/>: permission, reason and audit entry in one transaction).
/// </summary>
public sealed class AlertStore(Db db)
{
    private const string RuleColumns = """
        id AS Id, name AS Name, kind AS Kind, condition AS Condition, threshold AS Threshold,
        window_minutes AS WindowMinutes, enabled AS Enabled, source AS Source, updated_by AS UpdatedBy, updated_at AS UpdatedAt
        """;

    private const string EventColumns = """
        id AS Id, rule_id AS RuleId, rule_name AS RuleName, subject AS Subject, message AS Message, value AS Value,
        fired_at AS FiredAt, resolved_at AS ResolvedAt, fire_delivered_at AS FireDeliveredAt,
        resolve_delivered_at AS ResolveDeliveredAt, delivery_attempts AS DeliveryAttempts, last_delivery_error AS LastDeliveryError
        """;

    /// <summary>Inserts the rules from settings that are not in the table yet (by name); edits on the page are kept.</summary>
    public async Task SeedAsync(IEnumerable<AlertRuleSettings> rules, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        foreach (var r in rules)
        {
            await conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO alert_rules (name, kind, condition, threshold, window_minutes, source, updated_by)
                VALUES (@Name, nullif(@Kind, ''), @Condition, @Threshold, @WindowMinutes, 'settings', 'settings')
                ON CONFLICT (name) DO NOTHING
                """, new { r.Name, r.Kind, r.Condition, r.Threshold, r.WindowMinutes }, cancellationToken: ct));
        }
    }

    public async Task<IReadOnlyList<AlertRule>> RulesAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<RuleRow>(new CommandDefinition($"SELECT {RuleColumns} FROM alert_rules ORDER BY name", cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    /// <summary>Failures and completions per kind over the last <paramref name="minutes"/> minutes (from the history).</summary>
    public async Task<IReadOnlyDictionary<string, AlertRules.Finished>> FinishedAsync(int minutes, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<(string Kind, long Completed, long Failed)>(new CommandDefinition("""
            SELECT kind, sum(completed)::bigint, sum(failed)::bigint
            FROM job_history
            WHERE bucket >= date_trunc('minute', now()) - make_interval(mins => @Minutes - 1)
            GROUP BY kind
            """, new { Minutes = minutes }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Kind, r => new AlertRules.Finished(r.Completed, r.Failed), StringComparer.Ordinal);
    }

    /// <summary>
    /// Stuck leases per kind over every processing job, by the one stuck rule (the <c>job_leases</c> view of migration
    /// 0004), with how long past its lease timeout the longest has gone (from its last heartbeat, else its claim).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, AlertRules.Stuck>> StuckAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<(string Kind, long Count, double? Longest)>(new CommandDefinition("""
            SELECT l.kind, count(*)::bigint,
                   max(extract(epoch FROM now() - (coalesce(l.heartbeat_at, l.leased_at) + l.lease_timeout)))::float8
            FROM job_leases l
            WHERE l.is_stuck
            GROUP BY l.kind
            """, cancellationToken: ct));
        return rows.ToDictionary(r => r.Kind, r => new AlertRules.Stuck(r.Count, Math.Max(0, r.Longest ?? 0)), StringComparer.Ordinal);
    }

    /// <summary>
    /// Opens an event for each breach without an open one (the unique index makes a second firing impossible) and
    /// resolves the open events of enabled rules that are no longer breached. Returns (fired, resolved).
    /// </summary>
    public async Task<(int Fired, int Resolved)> ApplyAsync(IReadOnlyList<AlertBreach> breaches, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var fired = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO alert_events (rule_id, rule_name, subject, message, value)
            SELECT * FROM unnest(@RuleIds::bigint[], @Names::text[], @Subjects::text[], @Messages::text[], @Values::float8[])
            ON CONFLICT (rule_id, subject) WHERE resolved_at IS NULL DO NOTHING
            """, new
        {
            RuleIds = breaches.Select(b => b.RuleId).ToArray(),
            Names = breaches.Select(b => b.RuleName).ToArray(),
            Subjects = breaches.Select(b => b.Subject).ToArray(),
            Messages = breaches.Select(b => b.Message).ToArray(),
            Values = breaches.Select(b => b.Value).ToArray(),
        }, tx, cancellationToken: ct));
        // Resolved: open, and its (rule, subject) not breached now. A disabled or deleted rule's alerts resolve too.
        var resolved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE alert_events e SET resolved_at = now(), next_delivery_at = now()
            WHERE e.resolved_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM unnest(@RuleIds::bigint[], @Subjects::text[]) AS b(rule_id, subject)
                              WHERE b.rule_id = e.rule_id AND b.subject = e.subject)
            """, new { RuleIds = breaches.Select(b => b.RuleId).ToArray(), Subjects = breaches.Select(b => b.Subject).ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (fired, resolved);
    }

    /// <summary>Events with a firing or resolution not yet delivered, whose next attempt is due.</summary>
    public async Task<IReadOnlyList<AlertEvent>> DueDeliveriesAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<EventRow>(new CommandDefinition($"""
            SELECT {EventColumns} FROM alert_events
            WHERE (fire_delivered_at IS NULL OR (resolved_at IS NOT NULL AND resolve_delivered_at IS NULL))
              AND next_delivery_at <= now()
            ORDER BY id
            LIMIT 50
            """, cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    /// <summary>Marks a delivery done; false when it was marked already (nothing is delivered twice on purpose).</summary>
    public async Task<bool> MarkDeliveredAsync(long id, bool resolution, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var sql = resolution
            ? "UPDATE alert_events SET resolve_delivered_at = now(), last_delivery_error = NULL WHERE id = @Id AND resolve_delivered_at IS NULL"
            : "UPDATE alert_events SET fire_delivered_at = now(), last_delivery_error = NULL WHERE id = @Id AND fire_delivered_at IS NULL";
        return await conn.ExecuteAsync(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct)) == 1;
    }

    public async Task MarkFailedAsync(long id, string error, TimeSpan firstDelay, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE alert_events
            SET delivery_attempts = delivery_attempts + 1, last_delivery_error = left(@Error, 500),
                next_delivery_at = now() + least(interval '10 minutes', @FirstDelay * power(2, least(delivery_attempts, 20)))
            WHERE id = @Id
            """, new { Id = id, Error = error, FirstDelay = firstDelay }, cancellationToken: ct));
    }

    /// <summary>Firing events and those resolved within <paramref name="resolvedWithin"/>, newest first.</summary>
    public async Task<IReadOnlyList<AlertEvent>> RecentAsync(TimeSpan resolvedWithin, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<EventRow>(new CommandDefinition($"""
            SELECT {EventColumns} FROM alert_events
            WHERE resolved_at IS NULL OR resolved_at >= now() - @Within
            ORDER BY resolved_at IS NULL DESC, fired_at DESC
            LIMIT 100
            """, new { Within = resolvedWithin }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    private sealed class RuleRow : AlertRuleRow
    {
        public DateTime UpdatedAt { get; init; }

        public AlertRule ToModel() => new(Id, Name, Kind, Condition, Threshold, WindowMinutes, Enabled, Source, UpdatedBy, Utc(UpdatedAt));
    }

    private sealed class EventRow
    {
        public long Id { get; init; }
        public long? RuleId { get; init; }
        public string RuleName { get; init; } = "";
        public string Subject { get; init; } = "";
        public string Message { get; init; } = "";
        public double? Value { get; init; }
        public DateTime FiredAt { get; init; }
        public DateTime? ResolvedAt { get; init; }
        public DateTime? FireDeliveredAt { get; init; }
        public DateTime? ResolveDeliveredAt { get; init; }
        public int DeliveryAttempts { get; init; }
        public string? LastDeliveryError { get; init; }

        public AlertEvent ToModel() => new(
            Id, RuleId, RuleName, Subject, Message, Value, Utc(FiredAt), Utc(ResolvedAt), Utc(FireDeliveredAt),
            Utc(ResolveDeliveredAt), DeliveryAttempts, LastDeliveryError);
    }
}
