using Dashboard.Cli;
using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>dashboard-cli's own commands: watch (against the real app's hub), migrate, verify-audit, hash-password, new-token.</summary>
public sealed class CliTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Watch_PrintsTheCounts_AndAgainWhenTheyChange_ThenStopsCleanly()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) SELECT 'watch.kind' FROM generate_series(1, 4)");
        var stdout = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = WatchCommand.RunAsync(app.BaseAddress, DashboardApp.ViewerToken, stdout, TextWriter.Null, stop.Token);
        var first = await stdout.WaitForLineAsync(line => line.Contains("queued", StringComparison.Ordinal), _bound);
        await app.Database.PsqlAsync("UPDATE jobs SET state = 'failed' WHERE kind = 'watch.kind'");
        var second = await stdout.WaitForLineAsync(line => line != first && line.Contains("failed", StringComparison.Ordinal), _bound);
        await stop.CancelAsync();

        Assert.Equal(CliApp.Ok, await run.WaitAsync(_bound));
        Assert.NotEqual(first[9..], second[9..]);
    }

    [Fact]
    public async Task Watch_WithoutAToken_IsAUsageError()
    {
        var stderr = new StringWriter();

        var exit = await CliApp.RunAsync(["watch", "--url", app.BaseAddress.ToString()], TextReader.Null, TextWriter.Null, stderr);

        Assert.Equal(CliApp.Usage, exit);
        Assert.Contains("usage: dashboard-cli watch", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_AppliesEveryMigrationOnce_AndThenHasNothingToDo()
    {
        var name = $"cli_{Guid.NewGuid():N}";
        await TestPostgres.AdminAsync($"CREATE DATABASE \"{name}\"");
        try
        {
            var connection = TestPostgres.ConnectionStringFor(name);
            var first = new StringWriter();
            var second = new StringWriter();

            var exit1 = await CliApp.RunAsync(["migrate", "--connection", connection], TextReader.Null, first, TextWriter.Null);
            var exit2 = await CliApp.RunAsync(["migrate", "--connection", connection], TextReader.Null, second, TextWriter.Null);

            Assert.Equal((CliApp.Ok, CliApp.Ok), (exit1, exit2));
            Assert.StartsWith("Applied migrations: 1, 2, 3", first.ToString(), StringComparison.Ordinal);
            Assert.Equal("Schema is up to date.", second.ToString().Trim());
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await TestPostgres.AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    [Fact]
    public async Task VerifyAudit_SaysIntact_ThenNamesTheFirstEditedEntry()
    {
        await using var db = new TestDatabase();
        await db.InitializeAsync();
        var actions = new OperatorActions(db.Db, Microsoft.Extensions.Options.Options.Create(new Dashboard.Core.DashboardOptions()));
        var actor = new Actor("alice", "local", null, Roles.Operator);
        var first = await actions.ExecuteAsync(new PauseKind("cli.kind"), actor, "first", "cli-1", CancellationToken.None);
        await actions.ExecuteAsync(new ResumeKind("cli.kind"), actor, "second", "cli-2", CancellationToken.None);
        var intact = new StringWriter();
        var broken = new StringWriter();

        var exit1 = await CliApp.RunAsync(["verify-audit", "--connection", db.ConnectionString], TextReader.Null, intact, TextWriter.Null);
        await db.PsqlAsync($"""
            ALTER TABLE audit_log DISABLE TRIGGER USER;
            UPDATE audit_log SET reason = 'edited' WHERE seq = {first.AuditSeq};
            ALTER TABLE audit_log ENABLE TRIGGER USER;
            """);
        var exit2 = await CliApp.RunAsync(["verify-audit", "--connection", db.ConnectionString], TextReader.Null, TextWriter.Null, broken);

        Assert.Equal(CliApp.Ok, exit1);
        Assert.Equal("Audit chain intact: 2 entries checked.", intact.ToString().Trim());
        Assert.Equal(CliApp.Failed, exit2);
        Assert.StartsWith($"Audit chain broken at entry {first.AuditSeq} (HashMismatch)", broken.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_PrintsAHashOfStandardInput_ThatVerifies()
    {
        var stdout = new StringWriter();

        var exit = await CliApp.RunAsync(["hash-password"], new StringReader("correct horse battery\n"), stdout, TextWriter.Null);
        var empty = await CliApp.RunAsync(["hash-password"], new StringReader(""), TextWriter.Null, TextWriter.Null);

        Assert.Equal((CliApp.Ok, CliApp.Usage), (exit, empty));
        var hash = stdout.ToString().Trim();
        Assert.True(SecretHash.VerifyPassword("correct horse battery", hash));
        Assert.False(SecretHash.VerifyPassword("correct horse battery\n", hash));
    }

    [Fact]
    public async Task NewToken_PrintsATokenAndItsHash_DifferentEachTime()
    {
        var one = new StringWriter();
        var two = new StringWriter();

        Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["new-token"], TextReader.Null, one, TextWriter.Null));
        Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["new-token"], TextReader.Null, two, TextWriter.Null));

        var (token, hash) = Parse(one.ToString());
        Assert.True(SecretHash.VerifyToken(token, hash));
        Assert.NotEqual(token, Parse(two.ToString()).Token);
    }

    private static (string Token, string Hash) Parse(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (lines.Single(l => l.StartsWith("token:", StringComparison.Ordinal))["token:".Length..].Trim(),
                lines.Single(l => l.StartsWith("hash:", StringComparison.Ordinal))["hash:".Length..].Trim());
    }

    /// <summary>Collects written lines and lets a test wait for one (the watch prints from the hub's thread).</summary>
    private sealed class LineWriter : StringWriter
    {
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _written = new(0);

        public override Task WriteLineAsync(string? value)
        {
            lock (_lines)
            {
                _lines.Add(value ?? "");
            }

            _written.Release();
            return Task.CompletedTask;
        }

        public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan bound)
        {
            using var deadline = new CancellationTokenSource(bound);
            while (true)
            {
                lock (_lines)
                {
                    if (_lines.LastOrDefault(match) is { } line)
                    {
                        return line;
                    }
                }

                await _written.WaitAsync(deadline.Token);
            }
        }

        protected override void Dispose(bool disposing)
        {
            _written.Dispose();
            base.Dispose(disposing);
        }
    }
}
