using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace Dashboard.Core.Database;

/// <summary>
/// The one answer to "is the database unavailable?", used by the snapshot loop, the change listener, the actions'
/// callers, the deploy gate, the pause-expiry loop, the audit page and the reference worker: each catches what this
/// says and keeps going (last data on screen, a 503, a retry), never a bug of its own.
/// </summary>
public static class DatabaseErrors
{
    /// <summary>
    /// True when <paramref name="ex"/> means the database could not serve the request now: it is unreachable, the
    /// connection broke or was refused, the server is shutting down, it timed out, or it answered with an error
    /// (every <see cref="DbException"/>, so a statement the server rejects is reported, not thrown at the caller).
    /// </summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        DbException or TimeoutException or IOException or SocketException => true,
        // Npgsql reports a connection that broke mid-use or a disposed data source this way.
        InvalidOperationException { Source: "Npgsql" } => true,
        _ => false,
    };

    /// <summary>A one-line reason an on-call engineer can act on.</summary>
    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex switch
        {
            PostgresException pg when pg.SqlState == PostgresErrorCodes.QueryCanceled => "a query exceeded the statement timeout",
            PostgresException pg => $"{pg.MessageText} ({pg.SqlState})",
            NpgsqlException { InnerException: SocketException se } => se.Message,
            NpgsqlException { InnerException: TimeoutException } => "connecting timed out",
            _ => ex.Message,
        };
    }
}
