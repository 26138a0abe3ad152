using Dashboard.Core.Alerts;
using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// Creates an alert rule (<paramref name="RuleId"/> null) or changes one, as an admin on the alerts page does. Like
/// every operator write it runs through the choke point: permission <see cref="Permissions.EditAlerts"/> checked in
/// the transaction, a reason, and the audit entry (rule before and after) committed together with the change.
/// </summary>
public sealed record SaveAlertRule(
    long? RuleId, string RuleName, string? Kind, string Condition, double Threshold, int WindowMinutes, bool Enabled) : OperatorAction
{
    /// <summary>Longest rule name accepted.</summary>
    public const int MaxRuleNameLength = 200;

    public override string Name => "save_alert_rule";

    public override string Permission => Permissions.EditAlerts;

    internal override string? TargetKind => CleanKind;

    private string CleanName => RuleName?.Trim() ?? "";

    private string? CleanKind => string.IsNullOrWhiteSpace(Kind) ? null : Kind.Trim();

    internal override void Validate()
    {
        if (CleanName.Length is 0 or > MaxRuleNameLength || CleanName.Any(char.IsControl))
        {
            throw new ArgumentException($"A rule needs a name of 1 to {MaxRuleNameLength} printable characters.", nameof(RuleName));
        }

        if (CleanKind is { } kind && (kind.Length > MaxNameLength || kind.Any(char.IsControl)))
        {
            throw new ArgumentException($"A kind has at most {MaxNameLength} printable characters.", nameof(Kind));
        }

        if (!AlertConditions.All.Contains(Condition))
        {
            throw new ArgumentException($"Unknown condition \"{Condition}\".", nameof(Condition));
        }

        if (!double.IsFinite(Threshold) || Threshold < 0)
        {
            throw new ArgumentException("The threshold must be a number, zero or more.", nameof(Threshold));
        }

        if (WindowMinutes is < 1 or > 1440)
        {
            throw new ArgumentException("The window must be 1 to 1440 minutes.", nameof(WindowMinutes));
        }
    }

    private const string Columns = """
        id AS Id, name AS Name, kind AS Kind, condition AS Condition, threshold AS Threshold,
        window_minutes AS WindowMinutes, enabled AS Enabled, source AS Source, updated_by AS UpdatedBy
        """;

    private const string ReadSql = $"SELECT {Columns} FROM alert_rules WHERE id = @Id";

    private const string LockSql = $"SELECT {Columns} FROM alert_rules WHERE id = @Id FOR UPDATE";

    private const string NameTakenSql = "SELECT EXISTS (SELECT 1 FROM alert_rules WHERE name = @Name AND id IS DISTINCT FROM @Id::bigint)";

    private const string InsertSql = $"""
        INSERT INTO alert_rules (name, kind, condition, threshold, window_minutes, enabled, source, updated_by)
        VALUES (@Name, @Kind::text, @Condition, @Threshold, @WindowMinutes, @Enabled, 'page', @Actor)
        ON CONFLICT (name) DO NOTHING
        RETURNING {Columns}
        """;

    // Only when something differs: saving an unchanged rule is a no-change, not a new "changed by".
    private const string UpdateSql = $"""
        UPDATE alert_rules
        SET name = @Name, kind = @Kind::text, condition = @Condition, threshold = @Threshold, window_minutes = @WindowMinutes,
            enabled = @Enabled, updated_by = @Actor, updated_at = now()
        WHERE id = @Id
          AND (name, kind, condition, threshold, window_minutes, enabled)
              IS DISTINCT FROM (@Name::text, @Kind::text, @Condition::text, @Threshold::float8, @WindowMinutes::int, @Enabled::boolean)
        RETURNING {Columns}
        """;

    private SqlStatement Read() => SqlStatement.Of(ReadSql, new { Id = RuleId });

    private SqlStatement Lock() => SqlStatement.Of(LockSql, new { Id = RuleId });

    private SqlStatement NameTaken() => SqlStatement.Of(NameTakenSql, new { Name = CleanName, Id = RuleId });

    private SqlStatement Write() => SqlStatement.Of(RuleId is null ? InsertSql : UpdateSql, new
    {
        Id = RuleId,
        Name = CleanName,
        Kind = CleanKind,
        Condition,
        Threshold,
        WindowMinutes,
        Enabled,
        Actor = SqlStatement.ActorName,
    });

    private string Rule => $"alert rule `{CleanName}` ({CleanKind ?? "every kind"}: {AlertConditions.Describe(Condition, Threshold, WindowMinutes)}{(Enabled ? "" : ", disabled")})";

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var before = RuleId is null ? null : await reader.SingleOrDefaultAsync<AlertRuleRow>(Read());
        var taken = await reader.SingleAsync<bool>(NameTaken());
        var (outcome, summary) = Judge(before, taken);
        SqlStatement[] statements = RuleId is null ? [NameTaken(), Write()] : [Lock(), NameTaken(), Write()];
        return new ActionPreview(this, summary, outcome == ActionOutcome.Applied ? 1 : 0, statements) { Outcome = outcome };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = RuleId is null ? null : await c.SingleOrDefaultAsync<AlertRuleRow>(Lock());
        var taken = await c.SingleAsync<bool>(NameTaken());
        var (outcome, message) = Judge(before, taken);
        if (outcome == ActionOutcome.Refused)
        {
            return new Change(outcome, message, 0, before, null);
        }

        var after = await c.SingleOrDefaultAsync<AlertRuleRow>(Write());
        return after is null
            ? new Change(ActionOutcome.NoChange, $"{Rule} is already so", 0, before, before)
            : new Change(ActionOutcome.Applied, (RuleId is null ? "created " : "changed ") + Rule, 1, before, after);
    }

    // What saving would do for the rule as read now.
    private (ActionOutcome Outcome, string Message) Judge(AlertRuleRow? before, bool nameTaken)
    {
        if (RuleId is { } id && before is null)
        {
            return (ActionOutcome.Refused, $"alert rule {id} no longer exists");
        }

        if (nameTaken)
        {
            return (ActionOutcome.Refused, $"another alert rule is named `{CleanName}` already");
        }

        if (before is not null && before.Name == CleanName && before.Kind == CleanKind && before.Condition == Condition
            && before.Threshold.Equals(Threshold) && before.WindowMinutes == WindowMinutes && before.Enabled == Enabled)
        {
            return (ActionOutcome.NoChange, $"{Rule} is already so");
        }

        return (ActionOutcome.Applied, (RuleId is null ? "creates " : "changes ") + Rule);
    }
}

/// <summary>An alert rule's columns as read and as written to the audit log's before/after.</summary>
internal class AlertRuleRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? Kind { get; init; }
    public string Condition { get; init; } = "";
    public double Threshold { get; init; }
    public int WindowMinutes { get; init; }
    public bool Enabled { get; init; }
    public string Source { get; init; } = "";
    public string? UpdatedBy { get; init; }
}
