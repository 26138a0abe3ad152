using System.Globalization;
using System.Text.Json;
using Dashboard.Core.Security;
using Npgsql;

namespace Dashboard.Core.Actions;

/// <summary>The open transaction an action's change runs in, and who asked for it.</summary>
internal sealed record ActionContext(
    NpgsqlConnection Connection,
    NpgsqlTransaction Transaction,
    Actor Actor,
    string Reason,
    DashboardOptions Options,
    CancellationToken Ct);

/// <summary>What a change did, ready for the audit entry. <see cref="TargetKind"/> overrides the action's own target.</summary>
internal sealed record Change(
    ActionOutcome Outcome,
    string Message,
    int RowsAffected,
    object? Before,
    object? After,
    string? TargetKind = null);

/// <summary>Helpers for action messages, audit JSON and the SQL shown to operators.</summary>
internal static class ActionText
{
    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Serializes a before/after state for <c>audit_log.before/after</c> (snake_case keys).</summary>
    public static string? Json(object? value) => value is null ? null : JsonSerializer.Serialize(value, _json);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Jobs(long n) => n == 1 ? "1 job" : $"{Count(n)} jobs";

    public static string Time(DateTime? value) =>
        value is null ? "an unknown time" : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value) => Time(value?.UtcDateTime);

    /// <summary>A SQL string literal for display only (quotes doubled); never executed.</summary>
    public static string Literal(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Literal(Guid? value) => value is null ? "NULL" : $"'{value}'";

    public static string Literal(DateTimeOffset? value) =>
        value is null ? "NULL" : $"'{value.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00'";
}
