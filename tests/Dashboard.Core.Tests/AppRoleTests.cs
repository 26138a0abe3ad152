using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Database;
using Dashboard.Testing;
using Microsoft.Extensions.Options;
using Npgsql;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

/// <summary>The console connecting as a login role that is granted dashboard_app, as a deployment would.</summary>
public sealed class AppRoleTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly string _login = $"t_app_{Guid.NewGuid():N}";

    private string AppConnectionString => new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = _login }.ConnectionString;

    public Task InitializeAsync() => TestPostgres.AdminAsync($"CREATE ROLE \"{_login}\" LOGIN IN ROLE dashboard_app");

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestPostgres.AdminAsync($"DROP ROLE IF EXISTS \"{_login}\"");
    }

    [Theory]
    [InlineData("UPDATE audit_log SET reason = 'rewritten'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("UPDATE audit_chain_head SET last_seq = 0")]
    [InlineData("DELETE FROM jobs")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")]
    public async Task AppRole_IsRefusedByPrivileges_ForAnythingButReadAndAppendOnTheAuditLog(string sql)
    {
        await db.PsqlAsync("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('owner', 'oidc', 'x', 'seed', 'applied: x')");
        await using var conn = new NpgsqlConnection(AppConnectionString);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
        // The privilege check, not the append-only trigger (which reports the same code), stopped it.
        Assert.DoesNotContain("append-only", ex.MessageText, StringComparison.Ordinal);
        Assert.Matches("^(permission denied for table|must be owner of table) (audit_log|audit_chain_head|jobs)$", ex.MessageText);
    }

    [Fact]
    public async Task AppRole_CanAppendAndRead_AndRunActionsMigrationsAndVerification()
    {
        // Arrange
        await using var appDb = Db.Create(AppConnectionString);
        var kind = Kind();
        await using (var conn = new NpgsqlConnection(AppConnectionString))
        {
            await conn.ExecuteAsync("INSERT INTO jobs (kind) VALUES (@kind), (@kind)", new { kind });
            await conn.ExecuteAsync("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('app', 'oidc', 'x', 'direct', 'applied: x')");
        }

        // Act
        var applied = await new Migrator(appDb).MigrateAsync();
        var result = await new OperatorActions(appDb, Options.Create(new DashboardOptions()))
            .ExecuteAsync(new PauseKind(kind), Alice, "as the app role", Key(), CancellationToken.None);
        var entry = await new AuditQueries(appDb).GetAsync(result.AuditSeq, CancellationToken.None);
        var verification = await new AuditVerifier(appDb).VerifyAsync(CancellationToken.None);

        // Assert
        Assert.Empty(applied);
        Assert.Equal((ActionOutcome.Applied, 3), (result.Outcome, result.RowsAffected));
        Assert.Equal("as the app role", entry!.Reason);
        Assert.True(verification.Ok, verification.Message);
    }
}
