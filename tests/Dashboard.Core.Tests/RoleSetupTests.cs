using Dapper;
using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Dashboard.Core.Tests;

/// <summary>
/// The least-privileged setup (what scripts/run.sh does through dashboard-cli setup-roles): an owner that migrates,
/// a console login holding dashboard_app, a worker login holding dashboard_worker; none a superuser.
/// </summary>
public sealed class RoleSetupTests : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];
    private RoleLogins _logins = default!;

    private string Database => $"t_roles_{_suffix}";

    public async Task InitializeAsync()
    {
        _logins = new RoleLogins($"t_owner_{_suffix}", "owner-pw", $"t_console_{_suffix}", "console-pw", $"t_worker_{_suffix}", "worker-pw");
        await RoleSetup.EnsureAsync(TestPostgres.AdminConnectionString, Database, _logins);
        await using var owner = Db.Create(As(_logins.Owner));
        await new Migrator(owner).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestPostgres.AdminAsync($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)");
        foreach (var role in new[] { _logins.Console, _logins.Worker, _logins.Owner })
        {
            await TestPostgres.AdminAsync($"DROP ROLE IF EXISTS \"{role}\"");
        }
    }

    [Fact]
    public async Task NoLogin_IsASuperuser_OrMayCreateRolesOrDatabases()
    {
        foreach (var login in new[] { _logins.Owner, _logins.Console, _logins.Worker })
        {
            await using var conn = new NpgsqlConnection(As(login));

            var (super, createRole, createDb) = await conn.QuerySingleAsync<(bool, bool, bool)>(
                "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user");

            Assert.False(super || createRole || createDb, login);
        }
    }

    [Theory]
    [InlineData("UPDATE audit_log SET reason = 'x'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")]
    [InlineData("DELETE FROM jobs")]
    [InlineData("CREATE TABLE sneaky (id int)")]
    public async Task Console_IsRefused_WhatDashboardAppMayNotDo(string sql)
    {
        await using var conn = new NpgsqlConnection(As(_logins.Console));

        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM audit_log")]
    [InlineData("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('w', 'token', 'x', 'x', 'applied: x')")]
    [InlineData("UPDATE queue_control SET accepting = false")]
    [InlineData("UPDATE job_kinds SET paused = true")]
    [InlineData("DELETE FROM jobs")]
    [InlineData("SELECT count(*) FROM console_sessions")]
    [InlineData("CREATE TABLE sneaky (id int)")]
    public async Task Worker_IsRefused_AnythingBeyondTheWorkerContract(string sql)
    {
        await using var conn = new NpgsqlConnection(As(_logins.Worker));

        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task Worker_CanKeepTheWholeContract()
    {
        // Arrange
        await using var worker = Db.Create(As(_logins.Worker));
        var identity = new WorkerIdentity("roles-test:1", "roles-test", 1, ["a"], 2);
        var claims = new JobClaims(worker);
        var registry = new WorkerRegistry(worker);

        // Act: enqueue, register, claim, heartbeat, checkpoint, complete, fail, release, reclaim, stop.
        await new JobCommands(worker).EnqueueAsync("a", "{}", ct: CancellationToken.None);
        await new JobCommands(worker).EnqueueAsync("a", "{}", ct: CancellationToken.None);
        await new JobCommands(worker).EnqueueAsync("a", "{}", ct: CancellationToken.None);
        await registry.RegisterAsync(identity, CancellationToken.None);
        var claimed = await claims.ClaimAsync(identity.Id, ["a"], 3, CancellationToken.None);
        var lost = await claims.HeartbeatAsync([.. claimed.Select(c => c.Lease)], CancellationToken.None);
        var checkpoint = await claims.CheckpointAsync(claimed[0].Lease, "{\"page\": 1}", CancellationToken.None);
        var complete = await claims.CompleteAsync(claimed[0].Lease, CancellationToken.None);
        var fail = await claims.FailAsync(claimed[1].Lease, "boom", new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), CancellationToken.None);
        var release = await claims.ReleaseAsync(claimed[2].Lease, CancellationToken.None);
        await claims.ReclaimExpiredAsync(10, CancellationToken.None);
        await registry.HeartbeatAsync(identity, WorkerStates.Running, 0, CancellationToken.None);
        await registry.MarkStoppedAsync(identity.Id, CancellationToken.None);

        // Assert
        Assert.Equal(3, claimed.Count);
        Assert.Empty(lost);
        Assert.Equal([LeaseResult.Applied, LeaseResult.Applied, LeaseResult.Applied, LeaseResult.Applied], [checkpoint, complete, fail.Result, release]);
    }

    [Fact]
    public async Task Console_CanWriteHistory_AndEvaluateDeliverAndEditAlerts()
    {
        // Everything the history writer, the alert evaluator and the alerts page do, as the console's login.
        await using var console = Db.Create(As(_logins.Console));
        await using (var conn = new NpgsqlConnection(As(_logins.Console)))
        {
            await conn.ExecuteAsync("""
                INSERT INTO jobs (kind, state, run_at, leased_at, leased_by, finished_at)
                SELECT 'roles.k', 'done', now() - interval '4 minutes', now() - interval '4 minutes', 'w:1', now() - interval '3 minutes'
                FROM generate_series(1, 5);
                INSERT INTO jobs (kind) SELECT 'roles.k' FROM generate_series(1, 3);
                """);
        }

        var options = Microsoft.Extensions.Options.Options.Create(new DashboardOptions { ConnectionString = As(_logins.Console) });
        var writer = new History.HistoryWriter(
            new History.HistoryQueries(console), new Changes.ChangeFeed(),
            new Singletons.SingletonLocks(options, new Singletons.InstanceIdentity("roles"), NullLogger<Singletons.SingletonLocks>.Instance),
            options, NullLogger<History.HistoryWriter>.Instance);
        await writer.TickAsync(CancellationToken.None);
        var store = new Alerts.AlertStore(console);
        await store.SeedAsync([new Alerts.AlertRuleSettings { Name = "roles backlog", Condition = Alerts.AlertConditions.BacklogAbove, Threshold = 1 }], CancellationToken.None);
        var rule = Assert.Single(await store.RulesAsync(CancellationToken.None));
        var (fired, _) = await store.ApplyAsync([new Alerts.AlertBreach(rule.Id, rule.Name, "roles.k", 3, "backlog 3")], CancellationToken.None);
        var due = Assert.Single(await store.DueDeliveriesAsync(CancellationToken.None));
        await store.MarkFailedAsync(due.Id, "HTTP 500", TimeSpan.Zero, CancellationToken.None);
        await store.MarkDeliveredAsync(due.Id, resolution: false, CancellationToken.None);
        await store.StuckAsync(CancellationToken.None);
        await store.FinishedAsync(5, CancellationToken.None);
        var saved = await new Actions.OperatorActions(console, options).ExecuteAsync(
            new Actions.SaveAlertRule(rule.Id, rule.Name, "roles.k", rule.Condition, 10, 5, true),
            new Security.Actor("ada", "local", null, Security.Roles.Admin), "per kind", Guid.NewGuid().ToString("N"), CancellationToken.None);

        Assert.Equal(1, fired);
        Assert.Equal(Actions.ActionOutcome.Applied, saved.Outcome);
        await using var check = new NpgsqlConnection(As(_logins.Console));
        Assert.Equal(5, await check.ExecuteScalarAsync<long>("SELECT sum(completed) FROM job_history WHERE kind = 'roles.k'"));
    }

    [Fact]
    public async Task Setup_CanRunAgain_AndKeepsTheData()
    {
        await using (var conn = new NpgsqlConnection(As(_logins.Console)))
        {
            await conn.ExecuteAsync("INSERT INTO jobs (kind) VALUES ('kept')");
        }

        await RoleSetup.EnsureAsync(TestPostgres.AdminConnectionString, Database, _logins);
        await using var again = new NpgsqlConnection(As(_logins.Console));

        Assert.Equal(1, await again.ExecuteScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind = 'kept'"));
    }

    private string As(string login) =>
        new NpgsqlConnectionStringBuilder(RoleSetup.ConnectionStringFor(TestPostgres.AdminConnectionString, Database, login, "unused")) { Password = null }.ConnectionString;
}
