using Dashboard.Core.Database;
using Dashboard.Core.History;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

/// <summary>Retention, as the console's own least-privileged role runs it.</summary>
public sealed class HistoryRetentionTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Prune_DropsMinutesHoursAndResolvedAlertEventsPastRetention_AndKeepsOpenEvents()
    {
        await db.PsqlAsync("""
            INSERT INTO job_history (kind, bucket, final) VALUES ('r.kind', now() - interval '8 days', true), ('r.kind', now() - interval '6 days', true);
            INSERT INTO job_history_hourly (kind, bucket) VALUES ('r.kind', date_trunc('hour', now()) - interval '91 days'), ('r.kind', date_trunc('hour', now()) - interval '89 days');
            INSERT INTO alert_events (rule_name, subject, message, fired_at, resolved_at) VALUES
                ('old resolved', 'r.kind', 'm', now() - interval '100 days', now() - interval '95 days'),
                ('recent resolved', 'r.kind', 'm', now() - interval '100 days', now() - interval '80 days'),
                ('old open', 'r.kind', 'm', now() - interval '100 days', NULL);
            """);
        await using var console = Db.Create(db.ConsoleConnectionString);
        var now = new DateTimeOffset(DateTime.SpecifyKind(await db.ScalarAsync<DateTime>("SELECT now()"), DateTimeKind.Utc));

        await new HistoryQueries(console).RollupAndPruneAsync(now, new HistoryOptions(), CancellationToken.None);

        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM job_history WHERE kind = 'r.kind'"));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM job_history_hourly WHERE kind = 'r.kind' AND bucket < now() - interval '88 days'"));
        var left = await db.QueryAsync<string>("SELECT rule_name FROM alert_events ORDER BY rule_name");
        Assert.Equal(["old open", "recent resolved"], left);
    }
}
