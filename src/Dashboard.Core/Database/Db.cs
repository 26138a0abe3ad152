using Npgsql;

namespace Dashboard.Core.Database;

/// <summary>The one data source of the process. Every query in Core opens its connections here.</summary>
public sealed class Db(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public static Db Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        return new Db(builder.Build());
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => DataSource.OpenConnectionAsync(ct);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
