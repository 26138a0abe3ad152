using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core;

/// <summary>Checks every setting at startup and reports all problems in one message, naming each setting.</summary>
public sealed class ValidateDashboardOptions : IValidateOptions<DashboardOptions>
{
    // PostgreSQL truncates identifiers (channel names included) to NAMEDATALEN - 1 bytes.
    private const int MaxIdentifierBytes = 63;

    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("ConnectionStrings:Jobs is not set (environment variable ConnectionStrings__Jobs).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"ConnectionStrings:Jobs is not a valid PostgreSQL connection string: {ex.Message}");
            }
        }

        Positive(errors, "Dashboard:SnapshotInterval", options.SnapshotInterval);
        Positive(errors, "Dashboard:StatementTimeout", options.StatementTimeout);
        Positive(errors, "Dashboard:WorkerStaleAfter", options.WorkerStaleAfter);
        Positive(errors, "Dashboard:StoppedWorkerRetention", options.StoppedWorkerRetention);
        Positive(errors, "Dashboard:SlowCountInterval", options.SlowCountInterval);
        Positive(errors, "Dashboard:FullCountInterval", options.FullCountInterval);
        Positive(errors, "Dashboard:Singletons:RetryInterval", options.Singletons.RetryInterval);
        Positive(errors, "Dashboard:Singletons:CheckInterval", options.Singletons.CheckInterval);
        Positive(errors, "Dashboard:History:Retention", options.History.Retention);
        Positive(errors, "Dashboard:History:RollupRetention", options.History.RollupRetention);
        Positive(errors, "Dashboard:History:LiveInterval", options.History.LiveInterval);
        Positive(errors, "Dashboard:History:BackfillLimit", options.History.BackfillLimit);
        if (options.History.Grace < TimeSpan.Zero || options.History.Grace >= TimeSpan.FromMinutes(1))
        {
            errors.Add($"Dashboard:History:Grace must be between 00:00:00 and 00:00:59 (was {options.History.Grace}).");
        }

        Positive(errors, "Dashboard:Alerts:EvaluationInterval", options.Alerts.EvaluationInterval);
        Positive(errors, "Dashboard:Alerts:DeliveryTimeout", options.Alerts.DeliveryTimeout);
        if (options.Alerts.RetryDelay < TimeSpan.Zero)
        {
            errors.Add($"Dashboard:Alerts:RetryDelay must not be negative (was {options.Alerts.RetryDelay}).");
        }

        if (!string.IsNullOrWhiteSpace(options.Alerts.WebhookUrl)
            && !(Uri.TryCreate(options.Alerts.WebhookUrl, UriKind.Absolute, out var hook) && hook.Scheme is "http" or "https"))
        {
            errors.Add($"Dashboard:Alerts:WebhookUrl must be an absolute http(s) URL (was \"{options.Alerts.WebhookUrl}\").");
        }

        for (var i = 0; i < options.Alerts.Rules.Count; i++)
        {
            var rule = options.Alerts.Rules[i];
            if (string.IsNullOrWhiteSpace(rule.Name) || !Alerts.AlertConditions.All.Contains(rule.Condition) || rule.Threshold < 0
                || rule.WindowMinutes is < 1 or > 1440)
            {
                errors.Add($"Dashboard:Alerts:Rules:{i} needs a Name, a Condition ({string.Join(", ", Alerts.AlertConditions.All)}), "
                    + "a Threshold of zero or more and WindowMinutes of 1 to 1440.");
            }
        }

        Positive(errors, "Dashboard:DeployGate:MaxDrainWait", options.DeployGate.MaxDrainWait);
        Positive(errors, "Dashboard:DeployGate:AbortIfOlderThan", options.DeployGate.AbortIfOlderThan);
        Positive(errors, "Dashboard:Bulk:PollInterval", options.Bulk.PollInterval);
        if (options.Bulk.ChunkSize is < 1 or > 100_000)
        {
            errors.Add($"Dashboard:Bulk:ChunkSize must be between 1 and 100000 (was {options.Bulk.ChunkSize}).");
        }

        if (options.Bulk.ChunkPause < TimeSpan.Zero)
        {
            errors.Add($"Dashboard:Bulk:ChunkPause must not be negative (was {options.Bulk.ChunkPause}).");
        }

        if (!double.IsFinite(options.Bulk.ChunkPauseFactor) || options.Bulk.ChunkPauseFactor is < 0 or > 100)
        {
            errors.Add($"Dashboard:Bulk:ChunkPauseFactor must be between 0 and 100 (was {options.Bulk.ChunkPauseFactor}).");
        }

        if (options.FinishedCountCap < 1)
        {
            errors.Add($"Dashboard:FinishedCountCap must be at least 1 (was {options.FinishedCountCap}).");
        }

        if (options.LiveCountCap < 1)
        {
            errors.Add($"Dashboard:LiveCountCap must be at least 1 (was {options.LiveCountCap}).");
        }

        if (string.IsNullOrWhiteSpace(options.ChangeChannel) || System.Text.Encoding.UTF8.GetByteCount(options.ChangeChannel) > MaxIdentifierBytes)
        {
            errors.Add($"Dashboard:ChangeChannel must be a PostgreSQL channel name of 1 to {MaxIdentifierBytes} bytes (was \"{options.ChangeChannel}\").");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive time span such as \"00:05:00\" (was {value}).");
        }
    }
}
