using Dashboard.Core.Audit;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

public sealed class AuditStreamTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Stream_ReadsEveryMatchOldestFirst_InShortChunksWithoutAnOpenTransaction()
    {
        // Arrange
        await db.PsqlAsync("""
            INSERT INTO audit_log (actor, auth_method, action, reason, outcome)
            SELECT CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END, 'oidc', 'pause_kind', 'reason ' || i, 'applied: x'
            FROM generate_series(1, 7) AS i
            """);
        var seqs = await db.QueryAsync<long>("SELECT seq FROM audit_log ORDER BY seq");
        var queries = new AuditQueries(db.Db);
        var streamed = new List<long>();
        var openTransactions = new List<long>();
        var appended = false;

        // Act
        await foreach (var entry in queries.StreamAsync(AuditFilter.All, chunkSize: 2, CancellationToken.None))
        {
            streamed.Add(entry.Seq);
            // Client connections only: autovacuum also works in this database, inside transactions of its own.
            openTransactions.Add(await db.ScalarAsync<long>("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                  AND xact_start IS NOT NULL
                """));
            if (!appended)
            {
                // Appended after the stream started: not part of this export.
                await db.PsqlAsync("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('late', 'oidc', 'x', 'late', 'applied: x')");
                appended = true;
            }
        }

        var alice = new List<long>();
        await foreach (var entry in queries.StreamAsync(new AuditFilter { Actor = "alice" }, chunkSize: 1, CancellationToken.None))
        {
            alice.Add(entry.Seq);
        }

        // Assert
        Assert.Equal(seqs, streamed);
        Assert.All(openTransactions, n => Assert.Equal(0, n));
        Assert.Equal([seqs[1], seqs[3], seqs[5]], alice);
    }
}
