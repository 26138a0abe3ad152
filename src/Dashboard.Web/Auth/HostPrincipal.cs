using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Dashboard.Web.Auth;

/// <summary>
/// With <see cref="JobsConsoleOptions.UseHostAuthentication"/>: turns the user the host signed in into the console's
/// principal for the rest of the console's pipeline (its pages, circuit, hub and exports), with the console role
/// its roles or policies map to; a bearer token (scripts, the CLI) is read by the console's token scheme instead.
/// </summary>
public static class HostPrincipal
{
    public static IApplicationBuilder UseHostPrincipal(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var host = http.RequestServices.GetRequiredService<JobsConsoleOptions>().HostAuthentication
            ?? throw new InvalidOperationException("The console is not configured to use the host's authentication.");
        var token = await http.AuthenticateAsync(ApiTokenAuthenticationHandler.SchemeName);
        if (token.Succeeded)
        {
            http.User = token.Principal;
        }
        else if (http.User.Identity?.IsAuthenticated == true)
        {
            var name = http.User.Identity.Name ?? http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
            var role = await RoleOfAsync(http, host, http.User);
            http.User = new ClaimsPrincipal(role is null
                ? new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(DashboardClaims.AuthMethod, DashboardClaims.Host)], DashboardClaims.Host)
                : DashboardClaims.Identity(DashboardClaims.Host, name, role, DashboardClaims.Host, null, null));
        }

        await next();
    });

    /// <summary>The most capable console role the host's roles and policies give <paramref name="user"/>, if any.</summary>
    public static async Task<string?> RoleOfAsync(HttpContext http, HostAuthentication host, ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(host);
        var granted = host.RoleMap.Where(m => user.IsInRole(m.HostRole)).Select(m => m.ConsoleRole).ToList();
        if (host.PolicyMap.Count > 0)
        {
            var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
            foreach (var (policy, role) in host.PolicyMap)
            {
                if ((await authorization.AuthorizeAsync(user, policy)).Succeeded)
                {
                    granted.Add(role);
                }
            }
        }

        return OidcRoles.MostCapable(granted);
    }
}
