using System.Globalization;
using System.Text.Json;
using Dapper;
using Dashboard.Core.Security;
using Npgsql;

namespace Dashboard.Core.Actions;

/// <summary>The read-only transaction a preview reads in.</summary>
internal sealed class ActionReader(NpgsqlConnection connection, NpgsqlTransaction transaction, DashboardOptions options, CancellationToken ct)
{
    public DashboardOptions Options => options;

    public async Task<T?> SingleOrDefaultAsync<T>(SqlStatement statement) =>
        await connection.QuerySingleOrDefaultAsync<T>(statement.Command(transaction, ct));

    public async Task<T> SingleAsync<T>(SqlStatement statement) => await connection.QuerySingleAsync<T>(statement.Command(transaction, ct));

    public async Task<List<T>> ListAsync<T>(SqlStatement statement) => [.. await connection.QueryAsync<T>(statement.Command(transaction, ct))];
}

/// <summary>
/// The open transaction an action's change runs in, and who asked for it. Statements run through it get the actor's
/// name and the reason bound in place of <see cref="SqlStatement.ActorName"/> and <see cref="SqlStatement.Reason"/>.
/// </summary>
internal sealed record ActionContext(
    NpgsqlConnection Connection,
    NpgsqlTransaction Transaction,
    Actor Actor,
    string Reason,
    DashboardOptions Options,
    CancellationToken Ct)
{
    public async Task<T?> SingleOrDefaultAsync<T>(SqlStatement statement) =>
        await Connection.QuerySingleOrDefaultAsync<T>(Bound(statement));

    public async Task<T> SingleAsync<T>(SqlStatement statement) => await Connection.QuerySingleAsync<T>(Bound(statement));

    public async Task<List<T>> ListAsync<T>(SqlStatement statement) => [.. await Connection.QueryAsync<T>(Bound(statement))];

    public Task<int> ExecuteAsync(SqlStatement statement) => Connection.ExecuteAsync(Bound(statement));

    private CommandDefinition Bound(SqlStatement statement) => statement.Bind(Actor.Name, Reason).Command(Transaction, Ct);
}

/// <summary>What a change did, ready for the audit entry. <see cref="TargetKind"/> overrides the action's own target.</summary>
internal sealed record Change(
    ActionOutcome Outcome,
    string Message,
    int RowsAffected,
    object? Before,
    object? After,
    string? TargetKind = null);

/// <summary>Helpers for action messages and audit JSON.</summary>
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

    public static string Workers(long n) => n == 1 ? "1 worker" : $"{Count(n)} workers";

    public static string Time(DateTime? value) =>
        value is null ? "an unknown time" : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value) => Time(value?.UtcDateTime);

    /// <summary>The message of an attempt the actor's role does not allow.</summary>
    public static string Denied(Actor actor, OperatorAction action) => $"{actor.Name} (role {actor.Role}) lacks the permission {action.Permission}";
}
