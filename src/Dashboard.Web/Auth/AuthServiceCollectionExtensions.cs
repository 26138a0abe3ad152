using System.Security.Claims;
using System.Threading.RateLimiting;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>Cookie sessions for browsers (local users and/or OpenID Connect), bearer tokens for scripts, one policy per permission.</summary>
    /// <remarks>
    /// With the host's authentication (<see cref="JobsConsoleOptions.UseHostAuthentication"/>) only the token scheme
    /// is added, the host's default scheme stays, and the console has no sign-in pages of its own.
    /// </remarks>
    public static IServiceCollection AddDashboardAuth(this IServiceCollection services, IConfiguration configuration, JobsConsoleOptions console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var hosted = console.HostAuthentication is not null;
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>>(new ValidateAuthOptions { HostSignIn = hosted });
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<ServerSessions>();
        services.AddScoped<ICurrentActor, CurrentActor>();
        services.AddAuthorization(options => Policies.Add(options, console));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthStateProvider>();

        var settings = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(AccountEndpoints.SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.SignInAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        if (hosted)
        {
            services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
            return services;
        }

        var auth = services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/signin";
                options.AccessDeniedPath = "/denied";
                options.Cookie.Name = "dashboard.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.SlidingExpiration = false;
                // Every sign-in (local or OpenID Connect) starts a server-side session; sign-out ends it.
                options.Events.OnSigningIn = ctx => ctx.HttpContext.RequestServices.GetRequiredService<ServerSessions>()
                    .StartAsync(ctx.Principal!, DashboardClaims.ExpiresOf(ctx.Principal!) ?? DateTimeOffset.UtcNow.AddHours(8), ctx.HttpContext.RequestAborted);
                options.Events.OnValidatePrincipal = async ctx =>
                {
                    var services = ctx.HttpContext.RequestServices;
                    if (!services.GetRequiredService<SessionValidator>().IsValid(ctx.Principal))
                    {
                        ctx.RejectPrincipal();
                        return;
                    }

                    // Anonymous endpoints (sign-in page, static files) do not use the session: spare the database.
                    if (ctx.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null
                        && !await services.GetRequiredService<ServerSessions>().IsActiveAsync(ctx.Principal, ctx.HttpContext.RequestAborted))
                    {
                        ctx.RejectPrincipal();
                    }
                };
                // Script-like callers (no HTML accepted) get status codes, not a sign-in page.
                options.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);

        if (settings.OidcEnabled)
        {
            auth.AddDashboardOidc(settings.Oidc);
        }

        return services;
    }

    private static Task RedirectOrStatus(HttpContext http, string redirectUri, int status)
    {
        var accept = http.Request.Headers.Accept.ToString();
        if (accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Redirect(redirectUri);
        }
        else
        {
            http.Response.StatusCode = status;
        }

        return Task.CompletedTask;
    }
}

/// <summary>Maps an OpenID Connect user's role claims to the most capable console role configured for them.</summary>
public static class OidcRoles
{
    public static string? Map(ClaimsPrincipal? user, OidcSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var granted = user?.FindAll(settings.RoleClaim).Select(c => settings.RoleMap.GetValueOrDefault(c.Value))
            .Where(r => r is not null && Roles.IsKnown(r)).Select(r => r!).ToList() ?? [];
        return MostCapable(granted);
    }

    /// <summary>The most capable of <paramref name="granted"/>: admin, operator, auditor, viewer; null for none.</summary>
    public static string? MostCapable(IReadOnlyCollection<string> granted)
    {
        ArgumentNullException.ThrowIfNull(granted);
        string[] order = [Roles.Admin, Roles.Operator, Roles.Auditor, Roles.Viewer];
        return order.FirstOrDefault(granted.Contains);
    }
}
