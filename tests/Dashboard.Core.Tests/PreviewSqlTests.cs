using System.Diagnostics;
using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Extensions.Options;
using Npgsql;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

/// <summary>
/// The SQL a confirmation dialog shows is the SQL that runs: for every action, the shown text is pasted into psql on
/// one database and the action is executed on an identical one, and every row of the queue's tables and the audit log
/// is compared afterwards.
/// </summary>
public sealed class PreviewSqlTests
{
    private static readonly Guid _t1 = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid _t2 = Guid.Parse("00000000-0000-0000-0000-000000000002");

    // Ids follow from the seed's insert order; both databases get the same seed, so the same ids.
    private const string Seed = """
        INSERT INTO job_kinds (kind, lease_timeout) VALUES ('report.build', interval '1 hour');
        INSERT INTO jobs (kind) SELECT 'email.send' FROM generate_series(1, 3);                              -- 1..3
        INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
        VALUES ('email.send', 'processing', 'web-1:10', now() - interval '9 minutes', now() - interval '6 minutes',
                '00000000-0000-0000-0000-000000000001', 1),                                                  -- 4: stuck
               ('email.send', 'processing', 'web-2:20', now() - interval '9 minutes', now() - interval '3 seconds',
                '00000000-0000-0000-0000-000000000002', 1),                                                  -- 5: fresh
               ('report.build', 'processing', 'gone:30', now() - interval '2 minutes', now() - interval '1 minute',
                '00000000-0000-0000-0000-000000000003', 1);                                                  -- 6: gone worker
        INSERT INTO jobs (kind, state) VALUES ('report.build', 'queued'), ('report.build', 'done');           -- 7, 8
        INSERT INTO workers (id, host, pid, current_jobs) VALUES ('web-1:10', 'web-1', 10, 1), ('web-2:20', 'web-2', 20, 1);
        INSERT INTO workers (id, host, pid, state, stopped_at) VALUES ('gone:30', 'gone', 30, 'stopped', now());
        """;

    public static TheoryData<string> Scenarios { get; } =
    [
        "pause", "pause-with-expiry", "pause-again", "resume", "resume-not-paused", "release-lease", "release-lease-moved-on",
        "release-stuck-kind", "release-stuck-worker", "release-stuck-none", "drain-all", "resume-all", "pause-intake",
        "resume-intake", "drain-worker", "resume-worker", "drain-unknown-worker", "denied",
    ];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task ShownSql_PastedIntoPsql_ChangesTheSameRowsAsTheAction(string scenario)
    {
        // Arrange: two identical databases.
        var (setup, action, actor) = Scenario(scenario);
        await using var twins = new Twins();
        await twins.InitializeAsync();
        foreach (var db in new[] { twins.Shown, twins.Executed })
        {
            await db.PsqlAsync(Seed + setup);
        }

        var mark = await twins.Shown.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        var reason = "O'Brien's \"check\" \\ 100% sure; -- not a comment";

        // Act: the shown SQL through psql on one, the action on the other.
        var preview = await Actions(twins.Shown).PreviewAsync(action, CancellationToken.None);
        var sql = preview.SqlFor(actor, reason);
        await PsqlAsync(twins.Shown, sql);
        var result = await Actions(twins.Executed).ExecuteAsync(action, actor, reason, Key(), CancellationToken.None);

        // Assert
        Assert.Equal(actor.Can(action.Permission) ? preview.Outcome : ActionOutcome.Denied, result.Outcome);
        foreach (var table in new[] { "jobs", "job_kinds", "workers", "queue_control", "audit_log" })
        {
            var query = await RowsQueryAsync(twins.Shown, table);
            Assert.Equal(await SnapshotAsync(twins.Executed, mark, query), await SnapshotAsync(twins.Shown, mark, query));
        }

        if (action is PauseKind { ExpiresAt: not null })
        {
            const string expiry = "SELECT pause_expires_at::text FROM job_kinds ORDER BY kind";
            Assert.Equal(await twins.Executed.QueryAsync<string?>(expiry), await twins.Shown.QueryAsync<string?>(expiry));
        }
    }

    private static (string Setup, OperatorAction Action, Actor Actor) Scenario(string name) => name switch
    {
        "pause" => ("", new PauseKind("email.send"), Alice),
        "pause-with-expiry" => ("", new PauseKind("email.send", DateTimeOffset.UtcNow.AddHours(1).AddTicks(7)), Alice),
        "pause-again" => ("""
            INSERT INTO job_kinds (kind, paused, paused_by, paused_at, pause_reason) VALUES ('email.send', true, 'bob', now(), 'first');
            UPDATE jobs SET state = 'queued' WHERE id = 1 AND state = 'paused';
            """, new PauseKind("email.send"), Alice),
        "resume" => ("""
            UPDATE job_kinds SET paused = true, paused_by = 'bob', paused_at = now(), pause_reason = 'x' WHERE kind = 'report.build';
            UPDATE jobs SET state = 'paused' WHERE id = 7;
            """, new ResumeKind("report.build"), Alice),
        "resume-not-paused" => ("UPDATE jobs SET state = 'paused' WHERE id = 2;", new ResumeKind("email.send"), Alice),
        "release-lease" => ("", new ReleaseLease(4, "web-1:10", _t1), Alice),
        "release-lease-moved-on" => ("", new ReleaseLease(5, "web-1:10", _t2), Alice),
        "release-stuck-kind" => ("", new ReleaseStuckLeases(Kind: "email.send"), Alice),
        "release-stuck-worker" => ("", new ReleaseStuckLeases(WorkerId: "gone:30"), Alice),
        "release-stuck-none" => ("", new ReleaseStuckLeases(Kind: "report.build", WorkerId: "web-2:20"), Alice),
        "drain-all" => ("", new DrainAllWorkers(), Alice),
        "resume-all" => ("""
            UPDATE queue_control SET accepting = false;
            UPDATE workers SET drain_requested = true WHERE id = 'web-1:10';
            """, new ResumeAllWorkers(), Alice),
        "pause-intake" => ("", new PauseIntake(), Alice),
        "resume-intake" => ("""
            UPDATE queue_control SET accepting = false;
            UPDATE workers SET drain_requested = true WHERE id = 'web-1:10';
            """, new ResumeIntake(), Alice),
        "drain-worker" => ("", new DrainWorker("web-1:10"), Alice),
        "resume-worker" => ("UPDATE workers SET drain_requested = true WHERE id = 'web-2:20';", new ResumeWorker("web-2:20"), Alice),
        "drain-unknown-worker" => ("", new DrainWorker("nobody:0"), Alice),
        "denied" => ("", new PauseKind("email.send"), Victor),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static OperatorActions Actions(TestDatabase db) => new(db.Db, Options.Create(new DashboardOptions()));

    /// <summary>
    /// Every column of <paramref name="table"/> as text, in primary-key order, except what is made of the clock or of
    /// randomness: times become "null", "before" or "after" the mark; lease tokens "null", the seeded value or "new".
    /// The audit entry's JSON, idempotency key and hashes (which cover the JSON and the time) are left out; its outcome
    /// is compared by code (the message is worded by the console).
    /// </summary>
    private static async Task<string> RowsQueryAsync(TestDatabase db, string table)
    {
        var columns = await db.QueryAsync<(string Name, string Type)>(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = @table ORDER BY ordinal_position", new { table });
        var skipped = new[] { "before", "after", "idempotency_key", "prev_hash", "hash" };
        var expressions = columns
            .Where(c => !(table == "audit_log" && skipped.Contains(c.Name)))
            .Select(c => (c.Name, c.Type) switch
            {
                ("outcome", _) => "split_part(outcome, ':', 1)",
                (_, "timestamp with time zone") => $"CASE WHEN {c.Name} IS NULL THEN 'null' WHEN {c.Name} >= @Mark THEN 'after' ELSE 'before' END",
                (_, "uuid") => $"CASE WHEN {c.Name} IS NULL THEN 'null' WHEN {c.Name}::text LIKE '00000000-%' THEN {c.Name}::text ELSE 'new' END",
                _ => $"coalesce({c.Name}::text, 'null')",
            });
        return $"SELECT ARRAY[{string.Join(", ", expressions)}] FROM {table} ORDER BY 1";
    }

    private static async Task<List<List<string>>> SnapshotAsync(TestDatabase db, DateTime mark, string query)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        return [.. (await conn.QueryAsync<string[]>(query, new { Mark = mark }))
            .Select(row => row.ToList())];
    }

    private static async Task PsqlAsync(TestDatabase db, string sql)
    {
        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var start = new ProcessStartInfo(PostgresServer.ToolPath("psql"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", $"host={cs.Host} port={cs.Port} dbname={cs.Database} user={cs.Username}" },
        };
        start.Environment["PGPASSWORD"] = cs.Password ?? "";
        using var psql = Process.Start(start)!;
        var output = psql.StandardOutput.ReadToEndAsync();
        var errors = psql.StandardError.ReadToEndAsync();
        await psql.StandardInput.WriteAsync(sql);
        psql.StandardInput.Close();
        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(psql.ExitCode == 0 && (await errors).Length == 0, $"psql failed ({psql.ExitCode}): {await errors}\n{await output}\n--- input:\n{sql}");
    }

    /// <summary>Two fresh databases from the same migrated template.</summary>
    private sealed class Twins : IAsyncDisposable
    {
        public TestDatabase Shown { get; } = new();

        public TestDatabase Executed { get; } = new();

        public async Task InitializeAsync()
        {
            await Shown.InitializeAsync();
            await Executed.InitializeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Shown.DisposeAsync();
            await Executed.DisposeAsync();
        }
    }
}
