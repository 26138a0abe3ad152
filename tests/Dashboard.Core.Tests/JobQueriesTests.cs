using Dashboard.Core.Claims;
using Dashboard.Core.Jobs;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

/// <summary>The explorer's reads on real PostgreSQL: every filter, keyset paging, bounded counts, the error history.</summary>
public sealed class JobQueriesTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly JobQueries _queries = new(db.Db);

    // 3,000 background jobs of another kind, plus a small hand-built set each test finds exactly.
    public async Task InitializeAsync()
    {
        if (await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind = 'noise'") > 0)
        {
            return;
        }

        await db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, payload, created_at, finished_at, leased_by, last_error)
            SELECT 'noise', CASE WHEN g % 3 = 0 THEN 'done' WHEN g % 3 = 1 THEN 'queued' ELSE 'failed' END,
                   jsonb_build_object('customer_id', g), now() - interval '2 days', now() - interval '1 day', 'noise:1',
                   CASE WHEN g % 3 = 2 THEN 'connection refused by upstream' END
            FROM generate_series(1, 3000) g
            """);
        await db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, payload, created_at, finished_at, leased_by, last_error) VALUES
              ('q.email', 'failed', '{"customer_id": 42, "to": "a@example.com"}', '2026-01-10 10:00Z', '2026-01-10 10:05Z', 'web-1:7', 'SMTP timeout after 30s'),
              ('q.email', 'done', '{"customer_id": 42}', '2026-01-10 11:00Z', '2026-01-10 11:01Z', 'web-2:8', NULL),
              ('q.email', 'queued', '{"customer_id": 43}', '2026-01-11 09:00Z', NULL, NULL, 'temporary 100%_failure'),
              ('q.report', 'failed', '{"nested": {"customer_id": 42}}', '2026-01-12 09:00Z', '2026-01-12 09:30Z', 'web-1:7', 'Disk full'),
              ('q.report', 'hand-written', '{}', '2026-01-12 10:00Z', NULL, NULL, NULL)
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<List<string>> KindsStatesAsync(JobFilter filter)
    {
        var page = await _queries.ListAsync(filter, null, 100, CancellationToken.None);
        return [.. page.Jobs.Select(j => $"{j.Kind}/{j.State}")];
    }

    // The ids of every page of the list, following NextAfterId from the first page to the last.
    private async Task<List<long>> EveryPageAsync(JobFilter filter, int pageSize)
    {
        var seen = new List<long>();
        long? after = null;
        do
        {
            var page = await _queries.ListAsync(filter, after, pageSize, CancellationToken.None);
            seen.AddRange(page.Jobs.Select(j => j.Id));
            after = page.NextAfterId;
        }
        while (after is not null);

        return seen;
    }

    [Fact]
    public async Task List_FiltersByState_AndKind()
    {
        Assert.Equal(["q.report/failed", "q.email/failed"], await KindsStatesAsync(new JobFilter { State = "failed", CreatedFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), CreatedTo = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero) }));
        Assert.Equal(["q.email/queued", "q.email/done", "q.email/failed"], await KindsStatesAsync(new JobFilter { Kind = "q.email" }));
        Assert.Equal(["q.email/done"], await KindsStatesAsync(new JobFilter { Kind = "q.email", State = "done" }));
        Assert.Equal(["q.report/hand-written"], await KindsStatesAsync(new JobFilter { State = "hand-written" }));
    }

    [Fact]
    public async Task List_FiltersByWorker_Id_AndTimeRanges()
    {
        Assert.Equal(["q.report/failed", "q.email/failed"], await KindsStatesAsync(new JobFilter { Worker = "web-1:7" }));
        var id = await db.ScalarAsync<long>("SELECT id FROM jobs WHERE kind = 'q.email' AND state = 'done'");
        Assert.Equal(["q.email/done"], await KindsStatesAsync(new JobFilter { Id = id }));
        Assert.Equal(["q.email/queued", "q.email/done"], await KindsStatesAsync(new JobFilter
        {
            CreatedFrom = new DateTimeOffset(2026, 1, 10, 10, 30, 0, TimeSpan.Zero),
            CreatedTo = new DateTimeOffset(2026, 1, 12, 0, 0, 0, TimeSpan.Zero),
        }));
        Assert.Equal(["q.report/failed", "q.email/done"], await KindsStatesAsync(new JobFilter
        {
            FinishedFrom = new DateTimeOffset(2026, 1, 10, 11, 0, 0, TimeSpan.Zero),
            FinishedTo = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        }));
    }

    [Fact]
    public async Task List_FindsErrorText_IgnoringCase_WithWildcardsLiteral()
    {
        Assert.Equal(["q.email/failed"], await KindsStatesAsync(new JobFilter { ErrorText = "smtp TIMEOUT" }));
        Assert.Equal(["q.email/queued"], await KindsStatesAsync(new JobFilter { ErrorText = "100%_f" }));
        Assert.Empty(await KindsStatesAsync(new JobFilter { ErrorText = "100%%" }));
        Assert.Equal(1000, (await _queries.CountAsync(new JobFilter { ErrorText = "refused by" }, CancellationToken.None)).Value);
    }

    [Fact]
    public async Task List_MatchesPayloadContainment()
    {
        Assert.Equal(["q.email/done", "q.email/failed"], await KindsStatesAsync(new JobFilter { Payload = """{"customer_id": 42}""", Kind = "q.email" }));
        Assert.Equal(["q.report/failed"], await KindsStatesAsync(new JobFilter { Payload = """{"nested": {"customer_id": 42}}""" }));
        // Containment is exact on values: 42 is not "42".
        Assert.Empty(await KindsStatesAsync(new JobFilter { Payload = """{"customer_id": "42"}""", Kind = "q.email" }));
    }

    [Theory]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"a": """, "not JSON")]
    [InlineData("ab", "at least 3")]
    public async Task List_RejectsFiltersItCannotSearch(string value, string message)
    {
        var filter = value == "ab" ? new JobFilter { ErrorText = value } : new JobFilter { Payload = value };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _queries.ListAsync(filter, null, 10, CancellationToken.None));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PagesByKeyset_InBothOrders_WithoutGapsOrRepeats()
    {
        foreach (var sort in new[] { JobSort.Newest, JobSort.Oldest })
        {
            var seen = await EveryPageAsync(new JobFilter { Kind = "noise", Sort = sort }, 200);

            Assert.Equal(3000, seen.Count);
            Assert.Equal(3000, seen.Distinct().Count());
            Assert.Equal(sort == JobSort.Newest ? seen.OrderDescending() : seen.Order(), seen);
        }
    }

    // A time range is read in that time's order, not id order: ids only roughly follow time (a long transaction's
    // rows get ids later than their created_at says), and walking ids to a range days in the past reads every row between.
    [Theory]
    [InlineData(JobSort.Newest, false)]
    [InlineData(JobSort.Oldest, false)]
    [InlineData(JobSort.Newest, true)]
    [InlineData(JobSort.Oldest, true)]
    public async Task List_WithATimeRange_PagesInThatTimesOrder_WithoutGapsOrRepeats_EvenWhenIdsDisagreeWithTime(JobSort sort, bool finished)
    {
        var kind = $"timed.{sort}.{finished}";
        // 500 rows over 50 distinct minutes (ten rows share each time) in an order that has nothing to do with their ids.
        await db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, created_at, finished_at)
            SELECT @Kind, 'done', timestamptz '2025-06-01 00:00Z' + ((g * 37) % 50) * interval '1 minute',
                   timestamptz '2025-06-02 00:00Z' + ((g * 13) % 50) * interval '1 minute'
            FROM generate_series(1, 500) g
            """,
            new { Kind = kind });
        var from = new DateTimeOffset(2025, 6, finished ? 2 : 1, 0, 0, 0, TimeSpan.Zero);
        var filter = finished
            ? new JobFilter { Kind = kind, FinishedFrom = from, FinishedTo = from.AddHours(1), Sort = sort }
            : new JobFilter { Kind = kind, CreatedFrom = from, CreatedTo = from.AddHours(1), Sort = sort };
        var column = finished ? "finished_at" : "created_at";
        var direction = sort == JobSort.Newest ? "DESC" : "ASC";
        var expected = (await db.QueryAsync<long>($"SELECT id FROM jobs WHERE kind = @Kind ORDER BY {column} {direction}, id {direction}", new { Kind = kind })).ToList();

        var seen = await EveryPageAsync(filter, 37);

        Assert.Equal(500, expected.Count);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Count_IsExactUpToTheCap_ThenSaysAtLeast()
    {
        Assert.Equal(new JobCount(1000, JobCountKind.Exact), await _queries.CountAsync(new JobFilter { Kind = "noise", State = "done" }, CancellationToken.None));
        await db.PsqlAsync("INSERT INTO jobs (kind, state) SELECT 'bulky', 'done' FROM generate_series(1, @N)", new { N = JobQueries.CountCap + 5 });

        var count = await _queries.CountAsync(new JobFilter { Kind = "bulky" }, CancellationToken.None);

        Assert.Equal(new JobCount(JobQueries.CountCap, JobCountKind.AtLeast), count);
    }

    [Fact]
    public async Task Get_ReturnsEveryColumn_AndTheErrorHistoryTheFailStatementRecorded()
    {
        var claims = new JobClaims(db.Db);
        var id = await db.ScalarAsync<long>("INSERT INTO jobs (kind, max_attempts, payload) VALUES ('q.history', 12, '{\"a\": 1}') RETURNING id");
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            await db.PsqlAsync("UPDATE jobs SET run_at = now() WHERE id = @Id", new { Id = id });
            var claimed = Assert.Single(await claims.ClaimAsync($"w:{attempt}", ["q.history"], 1, CancellationToken.None));
            await claims.FailAsync(claimed.Lease, $"boom {attempt}", new RetryBackoff(TimeSpan.Zero, TimeSpan.Zero), CancellationToken.None);
        }

        var job = await _queries.GetAsync(id, CancellationToken.None);

        Assert.NotNull(job);
        Assert.Equal(JobStates.Failed, job.State);
        Assert.Equal("boom 12", job.LastError);
        Assert.Equal(JobQueries.ErrorHistoryLimit, job.ErrorHistory.Count);
        Assert.Equal(Enumerable.Range(3, 10), job.ErrorHistory.Select(e => e.Attempt));
        Assert.Equal(Enumerable.Range(3, 10).Select(n => $"boom {n}"), job.ErrorHistory.Select(e => e.Error));
        Assert.Equal(Enumerable.Range(3, 10).Select(n => $"w:{n}"), job.ErrorHistory.Select(e => e.Worker));
        Assert.True(job.ErrorHistory.Zip(job.ErrorHistory.Skip(1)).All(p => p.First.At <= p.Second.At));
        Assert.Equal("{\"a\": 1}", job.Payload);
        Assert.Equal(TimeSpan.FromMinutes(5), job.LeaseTimeout);
        Assert.Null(await _queries.GetAsync(-1, CancellationToken.None));
    }

    [Fact]
    public async Task ReclaimExpired_RecordsTheExpiryInTheErrorHistory()
    {
        var id = await db.ScalarAsync<long>(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
            VALUES ('q.expired', 'processing', 'dead:1', now() - interval '1 hour', now() - interval '1 hour', gen_random_uuid(), 1)
            RETURNING id
            """);

        await new JobClaims(db.Db).ReclaimExpiredAsync(100, CancellationToken.None);

        var entry = Assert.Single((await _queries.GetAsync(id, CancellationToken.None))!.ErrorHistory);
        Assert.Equal("dead:1", entry.Worker);
        Assert.Equal(1, entry.Attempt);
        Assert.StartsWith("lease expired: dead:1", entry.Error, StringComparison.Ordinal);
    }
}
