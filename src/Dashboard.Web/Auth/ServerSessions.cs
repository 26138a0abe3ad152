using System.Security.Claims;
using Dashboard.Core.Database;
using Dashboard.Core.Security;

namespace Dashboard.Web.Auth;

/// <summary>
/// Ties browser sign-ins to server-side sessions (<see cref="SessionStore"/>): the cookie carries the session id as a
/// claim, every request and every open console re-checks it, and sign-out ends it for every instance. Tokens carry
/// no session. While the database is unreachable the check cannot run and is skipped (logged): pages then show
/// only the last snapshot and no action can run, since actions need the database too.
/// </summary>
public sealed class ServerSessions(SessionStore store, ILogger<ServerSessions> logger)
{
    public const string Claim = "dashboard:sid";

    /// <summary>Starts a session and adds its id to the identity being signed in.</summary>
    public async Task StartAsync(ClaimsPrincipal user, DateTimeOffset expires, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity is not ClaimsIdentity identity)
        {
            throw new InvalidOperationException("No identity to sign in.");
        }

        foreach (var old in identity.FindAll(Claim).ToList())
        {
            identity.RemoveClaim(old);
        }

        identity.AddClaim(new Claim(Claim, await store.StartAsync(identity.Name ?? "unknown", expires, ct)));
    }

    /// <summary>Whether the principal's session is still open on the server (tokens and the host's sign-ins: always).</summary>
    public async Task<bool> IsActiveAsync(ClaimsPrincipal? user, CancellationToken ct)
    {
        if (user is null || DashboardClaims.MethodOf(user) is DashboardClaims.Token or DashboardClaims.Host)
        {
            return user is not null;
        }

        if (user.FindFirst(Claim)?.Value is not { } id)
        {
            return false;
        }

        try
        {
            return await store.IsActiveAsync(id, ct);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            logger.LogWarning("Cannot check the session of {User}: the database is unreachable ({Reason})", user.Identity?.Name, ex.Message);
            return true;
        }
    }

    /// <summary>Ends the principal's session on the server (sign-out).</summary>
    public async Task EndAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.FindFirst(Claim)?.Value is { } id)
        {
            await store.EndAsync(id, ct);
        }
    }
}
