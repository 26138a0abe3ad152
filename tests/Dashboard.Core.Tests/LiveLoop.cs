using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Tests;

/// <summary>A snapshot loop (and optionally its change listener) running as hosted services against one database.</summary>
internal sealed class LiveLoop : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private LiveLoop(DashboardOptions options, bool listen)
    {
        Db = Db.Create(options.ConnectionString!);
        var wrapped = Options.Create(options);
        Loop = new SnapshotLoop(new SnapshotQueries(Db, wrapped), new Migrator(Db), Feed, wrapped, NullLogger<SnapshotLoop>.Instance);
        Listener = listen ? new ChangeListener(Loop, wrapped, NullLogger<ChangeListener>.Instance) : null;
    }

    public Db Db { get; }

    public ChangeFeed Feed { get; } = new();

    public SnapshotLoop Loop { get; }

    public ChangeListener? Listener { get; }

    /// <summary>Starts the services and returns once the feed is healthy and (with a listener) it listens.</summary>
    public static async Task<LiveLoop> StartAsync(DashboardOptions options, bool listen)
    {
        var live = new LiveLoop(options, listen);
        var listening = live.Listener is null ? Task.CompletedTask : live.WaitForListeningAsync(true, StartTimeout);
        var healthy = live.Feed.WaitForAsync(s => s.IsHealthy, StartTimeout);
        await live.Loop.StartAsync(CancellationToken.None);
        if (live.Listener is not null)
        {
            await live.Listener.StartAsync(CancellationToken.None);
        }

        await Task.WhenAll(healthy, listening);
        await live.SettleAsync();
        return live;
    }

    /// <summary>
    /// Returns once the loop has finished a tick that began after every wake-up issued so far. With a long interval,
    /// only a new wake-up (a notification) explains a fresh snapshot after this.
    /// </summary>
    public Task SettleAsync() => Loop.RefreshAsync().WaitAsync(StartTimeout);

    /// <summary>Completes when the listener's state is <paramref name="listening"/>; subscribes before returning.</summary>
    public Task WaitForListeningAsync(bool listening, TimeSpan timeout)
    {
        var listener = Listener ?? throw new InvalidOperationException("This loop runs without a listener.");
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(bool now)
        {
            if (now == listening)
            {
                reached.TrySetResult();
            }
        }

        listener.ListeningChanged += OnChanged;
        if (listener.IsListening == listening)
        {
            reached.TrySetResult();
        }

        return WaitAsync();

        async Task WaitAsync()
        {
            try
            {
                await reached.Task.WaitAsync(timeout);
            }
            finally
            {
                listener.ListeningChanged -= OnChanged;
            }
        }
    }

    /// <summary>The connection string without pooling, for the test's own statements around restarts.</summary>
    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (Listener is not null)
        {
            await Listener.StopAsync(CancellationToken.None);
            Listener.Dispose();
        }

        await Loop.StopAsync(CancellationToken.None);
        Loop.Dispose();
        await Db.DisposeAsync();
    }
}
