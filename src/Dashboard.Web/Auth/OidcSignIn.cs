using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Dashboard.Web.Auth;

/// <summary>
/// Sign-in through an OpenID Connect provider: authorization code flow with PKCE, groups from the ID token or the
/// userinfo response mapped to a console role, a session that ends when the provider's tokens expire (or after
/// <see cref="AuthOptions.SessionLifetime"/>, whichever is first), RP-initiated logout, and failures turned into a
/// clear message on the sign-in page instead of an error page.
/// </summary>
public static class OidcSignIn
{
    /// <summary>Where a user whose groups map to no console role is sent.</summary>
    public const string RefusedPath = "/signin/refused";

    /// <summary>The values of the sign-in page's <c>sso</c> parameter after a failed single sign-on.</summary>
    public const string ProviderUnavailable = "unavailable";
    public const string ClientRejected = "client";
    public const string Failed = "failed";

    private const string ProviderExpiresItem = "dashboard.provider_expires";

    private static readonly string[] _baseScopes = ["openid", "profile"];
    private static readonly string[] _nameClaims = ["preferred_username", "email", "name", "sub"];

    public static AuthenticationBuilder AddDashboardOidc(this AuthenticationBuilder auth, OidcSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return auth.AddOpenIdConnect(options =>
        {
            options.Authority = settings.Authority;
            options.ClientId = settings.ClientId;
            options.ClientSecret = settings.ClientSecret;
            options.ResponseType = OpenIdConnectResponseType.Code;
            options.ResponseMode = OpenIdConnectResponseMode.Query;
            options.UsePkce = true;
            options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            options.SaveTokens = false;
            options.Scope.Clear();
            foreach (var scope in EffectiveScopes(settings))
            {
                options.Scope.Add(scope);
            }

            // Claim names as the provider sends them ("groups" stays "groups"), from the ID token and from userinfo.
            options.MapInboundClaims = false;
            options.GetClaimsFromUserInfoEndpoint = true;
            options.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
            options.ClaimActions.MapJsonKey(settings.RoleClaim, settings.RoleClaim);

            // The provider answers with a top-level GET redirect, which SameSite=Lax cookies survive; Secure when the
            // console is served over https.
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.NonceCookie.SameSite = SameSiteMode.Lax;
            options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

            options.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            options.Events.OnTokenValidated = OnTokenValidated;
            options.Events.OnTicketReceived = OnTicketReceived;
            options.Events.OnRemoteFailure = OnRemoteFailure;
        });
    }

    /// <summary><c>openid</c> and <c>profile</c>, plus the configured scopes.</summary>
    public static IReadOnlyList<string> EffectiveScopes(OidcSettings settings) =>
        _baseScopes.Concat(settings?.Scopes ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The console's name for the provider's user: preferred_username, else email, name or sub.</summary>
    public static string UserNameOf(ClaimsPrincipal? user) =>
        _nameClaims.Select(c => user?.FindFirst(c)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))
        ?? "unknown";

    /// <summary>
    /// Starts a sign-in at the provider. When its discovery document cannot be read, or it refuses the client already
    /// here (a provider with pushed authorization requests checks the secret before the user signs in), says so on
    /// the sign-in page.
    /// </summary>
    public static async Task ChallengeAsync(HttpContext http, string returnUrl)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            await http.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = returnUrl });
        }
        catch (Exception ex) when (!http.Response.HasStarted && ex is InvalidOperationException or HttpRequestException or OpenIdConnectProtocolException)
        {
            var reason = ex is OpenIdConnectProtocolException ? Classify(http, ex) : ProviderUnavailable;
            if (reason == ProviderUnavailable)
            {
                var authority = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Oidc.Authority;
                Logger(http).LogError(ex, "Single sign-on is unavailable: the provider at Dashboard:Auth:Oidc:Authority ({Authority}) did not "
                    + "answer.", authority);
            }

            http.Response.Redirect(SignInPageWith(http, reason, returnUrl));
        }
    }

    private static Task OnTokenValidated(TokenValidatedContext ctx)
    {
        // The session may not outlive the provider's tokens: the ID token's expiry and the access token's lifetime.
        var expiries = new List<DateTimeOffset>();
        if (ctx.SecurityToken?.ValidTo is { } validTo && validTo > DateTime.MinValue)
        {
            expiries.Add(new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)));
        }

        if (int.TryParse(ctx.TokenEndpointResponse?.ExpiresIn, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            expiries.Add(ctx.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().AddSeconds(seconds));
        }

        if (expiries.Count > 0)
        {
            ctx.Properties!.Items[ProviderExpiresItem] = expiries.Min().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        // Kept for sign-out: the provider ends its own session for a request carrying the ID token as a hint.
        if (ctx.TokenEndpointResponse?.IdToken is { Length: > 0 } idToken)
        {
            ctx.Properties!.StoreTokens([new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = idToken }]);
        }

        return Task.CompletedTask;
    }

    private static Task OnTicketReceived(TicketReceivedContext ctx)
    {
        var services = ctx.HttpContext.RequestServices;
        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var name = UserNameOf(ctx.Principal);
        var role = OidcRoles.Map(ctx.Principal, auth.Oidc);
        if (role is null)
        {
            var groups = ctx.Principal?.FindAll(auth.Oidc.RoleClaim).Select(c => c.Value).ToList() ?? [];
            Logger(ctx.HttpContext).LogWarning("Refused '{User}' from the identity provider: none of their '{Claim}' values ({Groups}) is in "
                + "Dashboard:Auth:Oidc:RoleMap.", name, auth.Oidc.RoleClaim, string.Join(", ", groups));
            ctx.HandleResponse();
            ctx.Response.Redirect(ctx.Request.PathBase + RefusedPath);
            return Task.CompletedTask;
        }

        var expires = services.GetRequiredService<TimeProvider>().GetUtcNow() + auth.SessionLifetime;
        if (ctx.Properties!.Items.Remove(ProviderExpiresItem, out var providerExpires)
            && long.TryParse(providerExpires, NumberStyles.None, CultureInfo.InvariantCulture, out var unix)
            && DateTimeOffset.FromUnixTimeSeconds(unix) < expires)
        {
            expires = DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        ctx.Principal = new ClaimsPrincipal(DashboardClaims.Identity(
            CookieAuthenticationDefaults.AuthenticationScheme, name, role, DashboardClaims.Oidc, expires, null));
        ctx.Properties.ExpiresUtc = expires;
        ctx.Properties.IsPersistent = false;
        return Task.CompletedTask;
    }

    private static Task OnRemoteFailure(RemoteFailureContext ctx)
    {
        var reason = Classify(ctx.HttpContext, ctx.Failure);
        ctx.HandleResponse();
        ctx.Response.Redirect(SignInPageWith(ctx.HttpContext, reason, ctx.Properties?.RedirectUri));
        return Task.CompletedTask;
    }

    /// <summary>A refused client (wrong secret or client id) or another failure; logged either way.</summary>
    private static string Classify(HttpContext http, Exception? failure)
    {
        var error = failure?.Data["error"] as string;
        if (error is "invalid_client" or "unauthorized_client")
        {
            Logger(http).LogError(failure, "The identity provider refused the console's client credentials ({Error}): check "
                + "Dashboard:Auth:Oidc:ClientId and Dashboard:Auth:Oidc:ClientSecret.", error);
            return ClientRejected;
        }

        Logger(http).LogWarning(failure, "Single sign-on did not complete.");
        return Failed;
    }

    private static string SignInPageWith(HttpContext http, string sso, string? returnUrl) =>
        $"{http.Request.PathBase}/signin?sso={sso}&returnUrl={Uri.EscapeDataString(AccountEndpoints.SafeReturnUrl(returnUrl, http.Request.PathBase))}";

    private static ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Dashboard.Web.Auth.OidcSignIn");
}
