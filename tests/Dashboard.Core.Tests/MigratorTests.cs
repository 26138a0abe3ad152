using Dashboard.Core.Database;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

public sealed class MigratorTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Migrate_AppliesNothing_WhenRunAgain()
    {
        var applied = await new Migrator(db.Db).MigrateAsync();

        Assert.Empty(applied);
        var recorded = await db.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version");
        Assert.Equal(Migrator.All.Select(m => m.Version), recorded);
    }

    [Fact]
    public async Task Migrate_AppliesEachVersionOnce_WhenRunConcurrently()
    {
        await using var fresh = new TestDatabaseWithoutSchema();
        await fresh.InitializeAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new Migrator(fresh.Db).MigrateAsync()));

        Assert.Equal(Migrator.All.Select(m => m.Version), runs.SelectMany(r => r).Order());
    }

    [Fact]
    public async Task RunbookStatements_RunVerbatim()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind, state, leased_by, leased_at) VALUES (42, 'search.reindex', 'processing', 'web-1:311', now())");
        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('search.reindex'), ('email.send')");

        var counts = await db.QueryAsync<(string, long)>("SELECT state, count(*) FROM jobs GROUP BY state;");
        var processing = await db.QueryAsync<(long, string, string, DateTime)>("SELECT id, kind, leased_by, leased_at FROM jobs WHERE state='processing';");
        var paused = await db.PsqlAsync("UPDATE jobs SET state='paused' WHERE state='queued' AND kind='search.reindex';");
        var released = await db.PsqlAsync("UPDATE jobs SET leased_at = NULL, leased_by = NULL, state = 'queued' WHERE id = 42;");

        Assert.Equal(2, counts.Count);
        Assert.Equal((42L, "search.reindex", "web-1:311"), (processing[0].Item1, processing[0].Item2, processing[0].Item3));
        Assert.Equal(1, paused);
        Assert.Equal(1, released);
    }

    /// <summary>An empty database, to watch migrations run from nothing.</summary>
    private sealed class TestDatabaseWithoutSchema : IAsyncDisposable
    {
        private readonly string _name = $"e_{Guid.NewGuid():N}";

        public Db Db { get; private set; } = default!;

        public async Task InitializeAsync()
        {
            await TestPostgres.AdminAsync($"CREATE DATABASE \"{_name}\"");
            Db = Db.Create(TestPostgres.ConnectionStringFor(_name));
        }

        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            await TestPostgres.AdminAsync($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)");
        }
    }
}
