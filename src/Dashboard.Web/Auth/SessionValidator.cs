using System.Security.Claims;
using Dashboard.Core.Security;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

/// <summary>
/// Decides whether a signed-in principal may still act: its session has not expired, and a local user still
/// exists with the same role and password. Checked on every request, periodically on open consoles, and inside
/// every action, so a long-lived Blazor connection cannot keep a revoked or expired sign-in acting.
/// </summary>
public sealed class SessionValidator(IOptionsMonitor<AuthOptions> options, TimeProvider clock)
{
    public bool IsValid(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true || DashboardClaims.RoleOf(user) is not { } role || !Roles.IsKnown(role))
        {
            return false;
        }

        var method = DashboardClaims.MethodOf(user);
        if (method == DashboardClaims.Host)
        {
            return true;
        }

        if (method == DashboardClaims.Token)
        {
            var name = user.Identity.Name;
            return options.CurrentValue.ApiTokens.Any(t => t.Name == name && t.Role == role);
        }

        if (DashboardClaims.ExpiresOf(user) is not { } expires || expires <= clock.GetUtcNow())
        {
            return false;
        }

        if (method == DashboardClaims.Local)
        {
            var stamp = user.FindFirst(DashboardClaims.Stamp)?.Value;
            return options.CurrentValue.LocalUsers.Any(u =>
                u.Name == user.Identity.Name && u.Role == role && DashboardClaims.StampOf(u) == stamp);
        }

        // Oidc: the provider's tokens bounded the session above. Host: the host's own sign-in decides, on each request.
        return method is DashboardClaims.Oidc or DashboardClaims.Host;
    }

    /// <summary>The actor for the audit log, or null when the principal may not act.</summary>
    public Actor? ActorOf(ClaimsPrincipal? user, string? sourceAddress) =>
        IsValid(user) ? new Actor(user!.Identity!.Name!, DashboardClaims.MethodOf(user), sourceAddress, DashboardClaims.RoleOf(user)!) : null;
}
