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

        Positive(errors, "Dashboard:DefaultLeaseTimeout", options.DefaultLeaseTimeout);
        Positive(errors, "Dashboard:SnapshotInterval", options.SnapshotInterval);
        Positive(errors, "Dashboard:StatementTimeout", options.StatementTimeout);
        Positive(errors, "Dashboard:WorkerStaleAfter", options.WorkerStaleAfter);
        Positive(errors, "Dashboard:StoppedWorkerRetention", options.StoppedWorkerRetention);
        Positive(errors, "Dashboard:Singletons:RetryInterval", options.Singletons.RetryInterval);
        Positive(errors, "Dashboard:Singletons:CheckInterval", options.Singletons.CheckInterval);
        Positive(errors, "Dashboard:DeployGate:MaxDrainWait", options.DeployGate.MaxDrainWait);
        Positive(errors, "Dashboard:DeployGate:AbortIfOlderThan", options.DeployGate.AbortIfOlderThan);
        if (options.FinishedCountCap < 1)
        {
            errors.Add($"Dashboard:FinishedCountCap must be at least 1 (was {options.FinishedCountCap}).");
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
