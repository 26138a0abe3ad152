using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Core.Database;

/// <summary>
/// Applies the numbered SQL files under <c>Database/Migrations</c>, each once and each in its own transaction,
/// and records them in <c>schema_migrations</c>. Safe to run concurrently and repeatedly.
/// </summary>
public sealed class Migrator(Db db, ILogger<Migrator>? logger = null)
{
    // Any constant works; it only has to be the same for every process migrating this database.
    private const long MigrationLockKey = 7_302_117_001;

    private readonly ILogger _logger = logger ?? NullLogger<Migrator>.Instance;

    public sealed record Migration(int Version, string Name, string Sql);

    /// <summary>The migrations shipped in this assembly, in version order.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    // Checks before creating: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table exists, and
    // the app's role (dashboard_app) has none, so an up-to-date database must not need it.
    private const string EnsureTableSql = """
        DO $$
        BEGIN
            IF to_regclass('schema_migrations') IS NULL THEN
                CREATE TABLE schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
            END IF;
        END
        $$
        """;

    private const string AppliedSql = "SELECT version FROM schema_migrations";

    private const string RecordSql = "INSERT INTO schema_migrations (version, name) VALUES (@Version, @Name)";

    /// <summary>Applies what is missing; returns the versions applied by this call (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@Key)", new { Key = MigrationLockKey }, cancellationToken: ct));
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(EnsureTableSql, cancellationToken: ct));
            var applied = (await conn.QueryAsync<int>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet();
            var done = new List<int>();
            foreach (var migration in All.Where(m => !applied.Contains(m.Version)))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition(RecordSql, migration, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                _logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                done.Add(migration.Version);
            }

            return done;
        }
        finally
        {
            await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@Key)", new { Key = MigrationLockKey }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>Versions shipped with this build that this database has not applied (all of them on an empty database).</summary>
    public async Task<IReadOnlyList<int>> PendingAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass('schema_migrations') IS NOT NULL", cancellationToken: ct));
        var applied = exists
            ? (await conn.QueryAsync<int>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet()
            : [];
        return [.. All.Select(m => m.Version).Where(v => !applied.Contains(v))];
    }

    private static List<Migration> Load()
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)))
        {
            var name = resource["Migrations.".Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }
}
