using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

public static class SecurityHeaders
{
    /// <summary>
    /// A content security policy that MudBlazor works under (its components set inline styles; no inline or eval'd
    /// script is needed), no framing, no sniffing, no referrer leaks.
    /// </summary>
    public static string ContentSecurityPolicy(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formAction = options.OidcEnabled ? $"'self' {new Uri(options.Oidc.Authority!).GetLeftPart(UriPartial.Authority)}" : "'self'";
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            + $"form-action {formAction}; frame-ancestors 'none'";
    }

    public static IApplicationBuilder UseDashboardSecurityHeaders(this IApplicationBuilder app)
    {
        // Read on first use, so invalid settings are reported by start-up validation together with all others.
        var csp = new Lazy<string>(() => ContentSecurityPolicy(app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value));
        return app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = csp.Value;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            await next();
        });
    }

    /// <summary>
    /// Browsers may open the SignalR endpoints (the jobs hub and the Blazor circuit's <c>/_blazor</c>) only from the
    /// console's own origin or a configured one; clients without an Origin header (scripts, the CLI) are unaffected
    /// and authenticate with a token. Paths compare case-insensitively, as routing does.
    /// </summary>
    public static IApplicationBuilder UseHubOriginCheck(this IApplicationBuilder app, params string[] prefixes)
    {
        var allowed = new Lazy<List<string>>(() => app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value.AllowedOrigins);
        return app.Use(async (http, next) =>
        {
            var origin = http.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && prefixes.Any(p => http.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
                && !IsSameOrigin(http.Request, origin) && !allowed.Value.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            await next();
        });
    }

    // Host and port decide: the scheme is left out so a console behind a TLS-terminating proxy that does not forward
    // it still recognises its own pages (nothing else can serve pages from the same host and port).
    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
