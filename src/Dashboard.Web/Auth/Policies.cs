using Dashboard.Core.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Dashboard.Web.Auth;

/// <summary>One authorization policy per permission, named after it; plus who may use the API and the hub.</summary>
public static class Policies
{
    /// <summary>Deploy-gate endpoints: bearer tokens only, never a cookie (so no cross-site request can drive them).</summary>
    public const string ApiSchemes = ApiTokenAuthenticationHandler.SchemeName;

    /// <summary>The hub: browsers (cookie, origin-checked) and scripts (token).</summary>
    public const string HubSchemes = CookieAuthenticationDefaults.AuthenticationScheme + "," + ApiTokenAuthenticationHandler.SchemeName;

    public static void Add(AuthorizationOptions options)
    {
        foreach (var permission in Permissions.All)
        {
            options.AddPolicy(permission, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => Allows(ctx, permission)));
        }

        // Closed by default: anything without its own rule needs a signed-in browser user.
        options.FallbackPolicy = new AuthorizationPolicyBuilder(CookieAuthenticationDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .Build();
    }

    /// <summary>A policy for a permission restricted to the given schemes.</summary>
    public static AuthorizationPolicy For(string permission, string schemes) =>
        new AuthorizationPolicyBuilder(schemes.Split(','))
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => Allows(ctx, permission))
            .Build();

    private static bool Allows(AuthorizationHandlerContext context, string permission) =>
        DashboardClaims.RoleOf(context.User) is { } role && Roles.PermissionsOf(role).Contains(permission);
}
