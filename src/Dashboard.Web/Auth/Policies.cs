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

    /// <summary>Every console page, the circuit and the audit export: a signed-in console user with a role.</summary>
    public const string SignedIn = "console.signed-in";

    public static void Add(AuthorizationOptions options, JobsConsoleOptions console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        foreach (var permission in Permissions.All)
        {
            options.AddPolicy(permission, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => Allows(ctx, permission)));
        }

        var signedIn = console.HostAuthentication is null
            ? new AuthorizationPolicyBuilder(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build()
            : new AuthorizationPolicyBuilder().RequireAuthenticatedUser()
                .RequireAssertion(ctx => DashboardClaims.RoleOf(ctx.User) is { } role && Roles.IsKnown(role)).Build();
        options.AddPolicy(SignedIn, signedIn);
        if (console.RequireSignInByDefault)
        {
            // The standalone console is closed by default: anything without its own rule needs a signed-in user.
            options.FallbackPolicy = signedIn;
        }
    }

    /// <summary>The jobs hub: the queue-view permission, for browsers and tokens (with the host's sign-in, as read by the console).</summary>
    public static AuthorizationPolicy Hub(JobsConsoleOptions console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return console.HostAuthentication is null
            ? For(Permissions.ViewQueue, HubSchemes)
            : new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(ctx => Allows(ctx, Permissions.ViewQueue)).Build();
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
