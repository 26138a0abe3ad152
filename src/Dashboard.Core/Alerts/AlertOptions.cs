namespace Dashboard.Core.Alerts;

/// <summary>Alerting (<c>Dashboard:Alerts</c>): the rules from settings, the webhook and the cadence.</summary>
public sealed class AlertOptions
{
    /// <summary>Where firings and resolutions are POSTed (Slack-compatible JSON); none: they are only recorded and shown.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How often the leading instance evaluates the rules and delivers what is pending.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The first retry of a failed delivery waits this long; each further one twice as long, up to 10 minutes.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A webhook call slower than this counts as failed (and is retried).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rules inserted once by name at start; after that they are edited on the alerts page.</summary>
    public List<AlertRuleSettings> Rules { get; set; } = [];
}

/// <summary>A rule as written in appsettings.</summary>
public sealed class AlertRuleSettings
{
    public string Name { get; set; } = "";

    /// <summary>A kind, or empty for every kind (each kind is its own alert).</summary>
    public string? Kind { get; set; }

    /// <summary>One of <see cref="AlertConditions.All"/>.</summary>
    public string Condition { get; set; } = "";

    /// <summary>Jobs (backlog), seconds (ages, durations) or percent (failure rate).</summary>
    public double Threshold { get; set; }

    /// <summary>The failure rate's window, in minutes.</summary>
    public int WindowMinutes { get; set; } = 5;
}

public static class AlertConditions
{
    public const string BacklogAbove = "backlog_above";
    public const string OldestQueuedOlderThan = "oldest_queued_older_than";
    public const string FailureRateAbove = "failure_rate_above";
    public const string StuckLongerThan = "stuck_longer_than";
    public const string IntakePausedLongerThan = "intake_paused_longer_than";

    public static IReadOnlyList<string> All { get; } =
        [BacklogAbove, OldestQueuedOlderThan, FailureRateAbove, StuckLongerThan, IntakePausedLongerThan];

    /// <summary>What the threshold means, for the page and for messages.</summary>
    public static string Describe(string condition, double threshold, int window) => condition switch
    {
        BacklogAbove => $"backlog above {threshold:0} jobs",
        OldestQueuedOlderThan => $"oldest queued job older than {threshold:0} s",
        FailureRateAbove => $"failure rate above {threshold:0.#} % over {window} min",
        StuckLongerThan => $"a lease stuck for longer than {threshold:0} s",
        IntakePausedLongerThan => $"paused for longer than {threshold:0} s",
        _ => condition,
    };
}

/// <summary>A rule as stored (<c>alert_rules</c>).</summary>
public sealed record AlertRule(
    long Id, string Name, string? Kind, string Condition, double Threshold, int WindowMinutes, bool Enabled, string Source,
    string? UpdatedBy, DateTimeOffset UpdatedAt)
{
    public string Description => AlertConditions.Describe(Condition, Threshold, WindowMinutes);
}

/// <summary>One firing of a rule for a subject (a kind, or <c>*</c> for the queue), and its resolution.</summary>
public sealed record AlertEvent(
    long Id, long? RuleId, string RuleName, string Subject, string Message, double? Value, DateTimeOffset FiredAt,
    DateTimeOffset? ResolvedAt, DateTimeOffset? FireDeliveredAt, DateTimeOffset? ResolveDeliveredAt, int DeliveryAttempts,
    string? LastDeliveryError)
{
    public bool IsFiring => ResolvedAt is null;
}

/// <summary>A rule breached now, for one subject.</summary>
public sealed record AlertBreach(long RuleId, string RuleName, string Subject, double Value, string Message);
