using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

/// <summary>Actors, rows and synchronisation helpers shared by the action, audit and deploy-gate tests.</summary>
internal static class ActionTestData
{
    public static readonly Actor Alice = new("alice", "oidc", "10.0.0.7", Roles.Operator);
    public static readonly Actor Bob = new("bob", "local", "10.0.0.9", Roles.Operator);
    public static readonly Actor Victor = new("victor", "oidc", "10.0.0.8", Roles.Viewer);

    public static OperatorActions CreateActions(TestDatabase db) => new(db.Db, Options.Create(new DashboardOptions()));

    public static string Key() => Guid.NewGuid().ToString("N");

    /// <summary>A kind name no other test in the class uses.</summary>
    public static string Kind(string prefix = "kind") => $"{prefix}.{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task QueuedAsync(TestDatabase db, string kind, int count) =>
        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT @Kind FROM generate_series(1, @Count)", new { Kind = kind, Count = count });

    /// <summary>A job under lease by <paramref name="leasedBy"/>, claimed <paramref name="leasedAgo"/> ago and last heartbeat <paramref name="heartbeatAgo"/> ago.</summary>
    public static async Task<(long Id, Guid Token)> ProcessingAsync(
        TestDatabase db, string kind, string leasedBy, TimeSpan? leasedAgo = null, TimeSpan? heartbeatAgo = null)
    {
        var token = Guid.NewGuid();
        var id = await db.ScalarAsync<long>(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
            VALUES (@Kind, 'processing', @LeasedBy, now() - @LeasedAgo, now() - @HeartbeatAgo, @Token, 1)
            RETURNING id
            """,
            new
            {
                Kind = kind,
                LeasedBy = leasedBy,
                LeasedAgo = leasedAgo ?? TimeSpan.FromSeconds(30),
                HeartbeatAgo = heartbeatAgo ?? TimeSpan.FromSeconds(5),
                Token = token,
            });
        return (id, token);
    }

    /// <summary>What an operator sees of a lease: its claim time (the token never leaves the server).</summary>
    public static async Task<DateTimeOffset?> LeasedAtAsync(TestDatabase db, long jobId)
    {
        var at = await db.ScalarAsync<DateTime?>("SELECT leased_at FROM jobs WHERE id = @jobId", new { jobId });
        return at is null ? null : new DateTimeOffset(DateTime.SpecifyKind(at.Value, DateTimeKind.Utc));
    }

    public static Task<long> AuditCountAsync(TestDatabase db) => db.ScalarAsync<long>("SELECT count(*) FROM audit_log");

    /// <summary>
    /// A hook that holds every caller until <paramref name="parties"/> callers have arrived, then releases them all:
    /// makes concurrent executions overlap for certain instead of by luck.
    /// </summary>
    public static Func<CancellationToken, Task> Barrier(int parties)
    {
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return async ct =>
        {
            if (Interlocked.Increment(ref arrived) == parties)
            {
                all.TrySetResult();
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        };
    }
}
