using System.Security.Claims;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

/// <summary>Sign-in (local users: rate-limited form post with antiforgery; OpenID Connect: a challenge) and sign-out.</summary>
public static class AccountEndpoints
{
    public const string SignInRateLimit = "signin";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account");
        group.MapPost("/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(SignInRateLimit);
        group.MapGet("/signin-oidc-start", async (HttpContext http, string? returnUrl, IOptions<AuthOptions> options) =>
            {
                if (!options.Value.OidcEnabled)
                {
                    return Results.NotFound();
                }

                await OidcSignIn.ChallengeAsync(http, SafeReturnUrl(returnUrl, http.Request.PathBase));
                return Results.Empty;
            })
            .AllowAnonymous();
        group.MapPost("/signout", SignOutAsync);
        return app;
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http,
        [FromForm] string? name,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        IOptionsMonitor<AuthOptions> options,
        TimeProvider clock)
    {
        var target = SafeReturnUrl(returnUrl, http.Request.PathBase);
        var user = options.CurrentValue.LocalUsers.FirstOrDefault(u => u.Name == name);
        // Hash even for unknown names so the answer takes as long either way.
        var ok = SecretHash.VerifyPassword(password ?? "", user?.PasswordHash ?? _dummyHash) && user is not null;
        if (!ok)
        {
            return Results.Redirect($"{http.Request.PathBase}/signin?failed=1&returnUrl={Uri.EscapeDataString(target)}");
        }

        var expires = clock.GetUtcNow() + options.CurrentValue.SessionLifetime;
        var identity = DashboardClaims.Identity(
            CookieAuthenticationDefaults.AuthenticationScheme, user!.Name, user.Role, DashboardClaims.Local, expires, DashboardClaims.StampOf(user));
        try
        {
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
                new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = false });
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // The session is kept in the database: no session without it.
            return Results.Redirect($"{http.Request.PathBase}/signin?unavailable=1&returnUrl={Uri.EscapeDataString(target)}");
        }

        return Results.Redirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, IOptions<AuthOptions> options, ServerSessions sessions)
    {
        // No form field is bound here, so nothing else checks the token: no cross-site sign-out.
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }

        // Ends the session on the server first: a copy of the cookie opens nothing afterwards, on any instance.
        await sessions.EndAsync(http.User, http.RequestAborted);

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (options.Value.OidcEnabled && DashboardClaims.MethodOf(http.User) == DashboardClaims.Oidc)
        {
            // RP-initiated logout: the provider ends its session too, then sends the browser back to the sign-in page.
            return Results.SignOut(new AuthenticationProperties { RedirectUri = $"{http.Request.PathBase}/signin?signedOut=1" }, [OpenIdConnectDefaults.AuthenticationScheme]);
        }

        return Results.Redirect($"{http.Request.PathBase}/signin?signedOut=1");
    }

    /// <summary>
    /// Only local paths: a sign-in link can never send the user to another site. The value must start with one
    /// <c>/</c> and hold only printable ASCII without backslashes; control characters and whitespace (which browsers
    /// drop, turning <c>/\t/evil.example</c> into <c>//evil.example</c>) and CR/LF (header injection) give the
    /// console's start page. A return URL is a path on this host, so under a path base it includes it
    /// (<c>/ops/jobs/jobs?state=failed</c>), as the cookie middleware writes it.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl, PathString pathBase = default) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length <= MaxReturnUrlLength && returnUrl[0] == '/'
            && (returnUrl.Length == 1 || returnUrl[1] is not ('/' or '\\'))
            && returnUrl.All(c => c is > ' ' and < (char)0x7f and not '\\')
            ? returnUrl
            : pathBase + "/";

    private const int MaxReturnUrlLength = 2048;

    private static readonly string _dummyHash = SecretHash.HashPassword(Guid.NewGuid().ToString());
}
