using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Web.Auth;

/// <summary>The claims the console issues and reads.</summary>
public static class DashboardClaims
{
    public const string AuthMethod = "dashboard:auth_method";
    public const string SessionExpires = "dashboard:session_expires";
    public const string Stamp = "dashboard:stamp";

    public const string Local = "local";
    public const string Oidc = "oidc";
    public const string Token = "token";

    /// <summary>Signed in by the application the console is mounted in (<see cref="JobsConsoleOptions.UseHostAuthentication"/>).</summary>
    public const string Host = "host";

    public static ClaimsIdentity Identity(string scheme, string name, string role, string method, DateTimeOffset? expires, string? stamp)
    {
        var claims = new List<Claim>
        {
            // Stable per user and sign-in method, so antiforgery tokens outlive a re-sign-in of the same person.
            new(ClaimTypes.NameIdentifier, $"{method}:{name}"),
            new(ClaimTypes.Name, name),
            new(ClaimTypes.Role, role),
            new(AuthMethod, method),
        };
        if (expires is { } at)
        {
            claims.Add(new(SessionExpires, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }

        if (stamp is not null)
        {
            claims.Add(new(Stamp, stamp));
        }

        return new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role);
    }

    /// <summary>Changes when a local user's password changes, so existing sessions end.</summary>
    public static string StampOf(LocalUser user) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user.Name + "\n" + user.Role + "\n" + user.PasswordHash)))[..16];

    public static string? RoleOf(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.Role)?.Value;

    public static string MethodOf(ClaimsPrincipal user) => user.FindFirst(AuthMethod)?.Value ?? "unknown";

    public static DateTimeOffset? ExpiresOf(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(SessionExpires)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
