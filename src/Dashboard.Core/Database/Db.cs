using Npgsql;

namespace Dashboard.Core.Database;

/// <summary>The one data source of the process. Every query in Core opens its connections here.</summary>
public sealed class Db(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public static Db Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The snapshot sends the same statements twice a second: prepared once per connection, they are not parsed
        // and planned again on every tick. A connection string that sets "Max Auto Prepare" (0 behind a pooler in
        // transaction mode that cannot keep prepared statements) wins.
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        return new Db(builder.Build());
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => DataSource.OpenConnectionAsync(ct);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
