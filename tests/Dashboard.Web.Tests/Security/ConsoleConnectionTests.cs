using Dapper;
using Dashboard.Core.Database;
using Dashboard.Web.Tests.Shared;
using Npgsql;

namespace Dashboard.Web.Tests.Security;

/// <summary>The running console's own connections are least-privileged: the audit log's rules apply to it.</summary>
public sealed class ConsoleConnectionTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    [Fact]
    public async Task ConsoleConnection_IsNotASuperuser_AndHoldsDashboardApp()
    {
        await using var conn = await app.Service<Db>().OpenAsync(CancellationToken.None);

        var super = await conn.ExecuteScalarAsync<bool>("SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
        var member = await conn.ExecuteScalarAsync<bool>("SELECT pg_has_role(current_user, 'dashboard_app', 'MEMBER')");

        Assert.False(super);
        Assert.True(member);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET reason = 'rewritten'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")]
    [InlineData("SET session_replication_role = replica")]
    public async Task ConsoleConnection_CannotRewriteTheAuditLog(string sql)
    {
        await app.Database.PsqlAsync("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('owner', 'oidc', 'x', 'seed', 'applied: x')");
        await using var conn = await app.Service<Db>().OpenAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
        Assert.Equal("seed", await app.Database.ScalarAsync<string>("SELECT reason FROM audit_log ORDER BY seq LIMIT 1"));
    }
}
