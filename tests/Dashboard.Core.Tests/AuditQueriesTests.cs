using Dashboard.Core.Audit;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

public sealed class AuditQueriesTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly AuditQueries _queries = new(db.Db);
    private List<long> _seqs = [];

    // Entries as the actions write them, plus hostile text. The log is append-only, so the class seeds it once.
    public async Task InitializeAsync()
    {
        if (await db.ScalarAsync<long>("SELECT count(*) FROM audit_log") > 0)
        {
            _seqs = [.. await db.QueryAsync<long>("SELECT seq FROM audit_log ORDER BY seq")];
            return;
        }

        var rows = new (string Actor, string Action, string? Kind, long? JobId, string? Worker, string Reason, string Outcome)[]
        {
            ("alice", "pause_kind", "search.reindex", null, null, "index rebuild 100% needed", "applied: paused"),
            ("bob", "resume_kind", "search.reindex", null, null, "100 percent done", "no_change: not paused"),
            ("alice", "release_lease", "email.send", 42, "web-1:10", "stuck a_b", "refused: job 42 is now held by web-2:88"),
            ("victor", "pause_kind", "email.send", null, null, "aXb attempt", "denied: victor lacks kinds.pause"),
            ("alice", "drain_worker", null, null, "web-1:10", "back\\slash and DONE", "applied: asked"),
            ("'; DROP TABLE audit_log; --", "pause_kind", "<b>x</b>", null, null, "=HYPERLINK(\"http://x\")", "applied: x"),
            ("carol", "drain_all_workers", null, null, null, "deploy 142", "applied: paused intake"),
        };
        foreach (var r in rows)
        {
            await db.PsqlAsync(
                """
                INSERT INTO audit_log (actor, auth_method, source_address, action, target_kind, target_job_id, target_worker, reason,
                                       before, after, rows_affected, outcome)
                VALUES (@Actor, 'oidc', '10.0.0.1', @Action, @Kind, @JobId, @Worker, @Reason, '{"a": 1}', '{"b": "x,y"}', 1, @Outcome)
                """,
                new { r.Actor, r.Action, r.Kind, r.JobId, r.Worker, r.Reason, r.Outcome });
        }

        _seqs = [.. await db.QueryAsync<long>("SELECT seq FROM audit_log ORDER BY seq")];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("actor", "alice", new[] { 1, 3, 5 })]
    [InlineData("action", "pause_kind", new[] { 1, 4, 6 })]
    [InlineData("kind", "email.send", new[] { 3, 4 })]
    [InlineData("worker", "web-1:10", new[] { 3, 5 })]
    [InlineData("outcome", "applied", new[] { 1, 5, 6, 7 })]
    [InlineData("outcome", "denied", new[] { 4 })]
    [InlineData("text", "100%", new[] { 1 })]
    [InlineData("text", "a_b", new[] { 3 })]
    [InlineData("text", "done", new[] { 2, 5 })]
    [InlineData("text", "\\", new[] { 5 })]
    [InlineData("actor", "'; DROP TABLE audit_log; --", new[] { 6 })]
    [InlineData("kind", "' OR '1'='1", new int[0])]
    public async Task List_ReturnsMatchingEntriesNewestFirst_ForEachFilter(string field, string value, int[] expectedOrdinals)
    {
        var filter = field switch
        {
            "actor" => new AuditFilter { Actor = value },
            "action" => new AuditFilter { Action = value },
            "kind" => new AuditFilter { Kind = value },
            "worker" => new AuditFilter { Worker = value },
            "outcome" => new AuditFilter { Outcome = value },
            "text" => new AuditFilter { Text = value },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var page = await _queries.ListAsync(filter, null, 100, CancellationToken.None);
        var count = await _queries.CountAsync(filter, CancellationToken.None);

        Assert.Equal(expectedOrdinals.Select(i => _seqs[i - 1]).Reverse(), page.Entries.Select(e => e.Seq));
        Assert.Equal(expectedOrdinals.Length, count);
        Assert.Null(page.NextBeforeSeq);
        Assert.Equal(7, await db.ScalarAsync<long>("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task List_CombinesFilters_JobIdAndTimeRange()
    {
        var at = await db.QueryAsync<DateTime>("SELECT at FROM audit_log ORDER BY seq");
        var from = new DateTimeOffset(at[2], TimeSpan.Zero).ToOffset(TimeSpan.FromHours(2));
        var to = new DateTimeOffset(at[4], TimeSpan.Zero);

        var inRange = await _queries.ListAsync(new AuditFilter { From = from, To = to }, null, 100, CancellationToken.None);
        var job = await _queries.ListAsync(new AuditFilter { JobId = 42, Actor = "alice" }, null, 100, CancellationToken.None);
        var none = await _queries.ListAsync(new AuditFilter { JobId = 42, Actor = "bob" }, null, 100, CancellationToken.None);

        Assert.Equal([_seqs[3], _seqs[2]], inRange.Entries.Select(e => e.Seq));
        Assert.Equal([_seqs[2]], job.Entries.Select(e => e.Seq));
        Assert.Empty(none.Entries);
    }

    [Fact]
    public async Task List_PagesByKeyset_WithoutGapsOrRepeats()
    {
        var seen = new List<long>();
        long? before = null;
        var pages = 0;
        do
        {
            var page = await _queries.ListAsync(AuditFilter.All, before, 3, CancellationToken.None);
            seen.AddRange(page.Entries.Select(e => e.Seq));
            before = page.NextBeforeSeq;
            pages++;
        }
        while (before is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(_seqs), seen);
    }

    [Fact]
    public async Task Get_ReturnsEveryColumn_OrNullWhenMissing()
    {
        var entry = (await _queries.GetAsync(_seqs[2], CancellationToken.None))!;
        var missing = await _queries.GetAsync(999_999, CancellationToken.None);

        Assert.Null(missing);
        Assert.Equal(
            ("alice", "oidc", "10.0.0.1", "release_lease", "email.send", 42L, "web-1:10", "stuck a_b", 1),
            (entry.Actor, entry.AuthMethod, entry.SourceAddress, entry.Action, entry.TargetKind, entry.TargetJobId!.Value, entry.TargetWorker, entry.Reason, entry.RowsAffected));
        Assert.Equal(("refused", "job 42 is now held by web-2:88"), (entry.OutcomeCode, entry.OutcomeMessage));
        Assert.Equal(("{\"a\": 1}", "{\"b\": \"x,y\"}"), (entry.Before, entry.After));
        Assert.Equal(64, entry.Hash.Length);
        Assert.Equal((await _queries.GetAsync(_seqs[1], CancellationToken.None))!.Hash, entry.PrevHash);
        Assert.Equal(TimeSpan.Zero, entry.At.Offset);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - entry.At).TotalHours) < 1);
    }

    [Fact]
    public async Task Csv_ExportsStreamWithOneRowPerEntry_AndNeutralisedFormula()
    {
        using var writer = new StringWriter();

        var written = await AuditCsv.WriteAsync(_queries.StreamAsync(AuditFilter.All, CancellationToken.None), writer, CancellationToken.None);

        var csv = writer.ToString();
        Assert.Equal(7, written);
        Assert.StartsWith("seq,at,actor,auth_method,source_address,action,target_kind,target_job_id,target_worker,reason,before,after,rows_affected,outcome,idempotency_key,prev_hash,hash\r\n", csv, StringComparison.Ordinal);
        Assert.Equal(8, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\")\",", csv, StringComparison.Ordinal);
        Assert.Contains(",\"{\"\"b\"\": \"\"x,y\"\"}\",", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_LeavesBeforeAndAfterUnread_GetReadsThem()
    {
        var listed = (await _queries.ListAsync(AuditFilter.All, null, AuditQueries.MaxPageSize, CancellationToken.None)).Entries.Single(e => e.Seq == _seqs[2]);
        var full = (await _queries.GetAsync(_seqs[2], CancellationToken.None))!;

        Assert.Equal((null, null), (listed.Before, listed.After));
        Assert.NotNull(full.Before);
        Assert.Equal(full with { Before = null, After = null }, listed);
    }
}
