using System.Security.Claims;
using System.Text.Encodings.Web;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

/// <summary>Named bearer tokens for scripts and non-browser hub clients. Cookies are never read here.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> authOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = TokenFrom(Request);
        if (token is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var match = authOptions.CurrentValue.ApiTokens.FirstOrDefault(t => SecretHash.VerifyToken(token, t.TokenHash));
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API token."));
        }

        var identity = DashboardClaims.Identity(SchemeName, match.Name, match.Role, DashboardClaims.Token, null, null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    // SignalR clients send the token as access_token in the query string for WebSockets.
    private static string? TokenFrom(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase) && request.Query.TryGetValue("access_token", out var value)
            ? value.ToString()
            : null;
    }
}
