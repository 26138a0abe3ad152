using Dashboard.Core.Security;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

/// <summary>Closed by default: with no way to sign in the app does not start, and says which setting is missing.</summary>
public sealed class ValidateAuthOptions : IValidateOptions<AuthOptions>
{
    /// <summary>The host signs users in (<see cref="JobsConsoleOptions.UseHostAuthentication"/>): no sign-in of the console's own is needed.</summary>
    public bool HostSignIn { get; init; }

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.LocalUsers.Count == 0 && !options.OidcEnabled && !HostSignIn)
        {
            errors.Add("No sign-in is configured: set Dashboard:Auth:Oidc:Authority, ClientId and ClientSecret (OpenID Connect), "
                + "or Dashboard:Auth:LocalUsers. The embedded demo (scripts/run.sh) creates its own users.");
        }

        for (var i = 0; i < options.LocalUsers.Count; i++)
        {
            var user = options.LocalUsers[i];
            var key = $"Dashboard:Auth:LocalUsers:{i}";
            if (string.IsNullOrWhiteSpace(user.Name))
            {
                errors.Add($"{key}:Name is empty.");
            }

            if (!Roles.IsKnown(user.Role))
            {
                errors.Add($"{key}:Role must be one of {string.Join(", ", Roles.All)} (was '{user.Role}').");
            }

            if (!SecretHash.IsPasswordHash(user.PasswordHash))
            {
                errors.Add($"{key}:PasswordHash is not a password hash (create one with: dashboard-cli hash-password).");
            }
        }

        for (var i = 0; i < options.ApiTokens.Count; i++)
        {
            var token = options.ApiTokens[i];
            var key = $"Dashboard:Auth:ApiTokens:{i}";
            if (string.IsNullOrWhiteSpace(token.Name))
            {
                errors.Add($"{key}:Name is empty.");
            }

            if (!Roles.IsKnown(token.Role))
            {
                errors.Add($"{key}:Role must be one of {string.Join(", ", Roles.All)} (was '{token.Role}').");
            }

            if (!SecretHash.IsTokenHash(token.TokenHash))
            {
                errors.Add($"{key}:TokenHash is not a token hash (create one with: dashboard-cli new-token).");
            }
        }

        if (options.OidcEnabled)
        {
            if (string.IsNullOrWhiteSpace(options.Oidc.ClientId))
            {
                errors.Add("Dashboard:Auth:Oidc:ClientId is not set.");
            }

            if (string.IsNullOrWhiteSpace(options.Oidc.ClientSecret))
            {
                errors.Add("Dashboard:Auth:Oidc:ClientSecret is not set (the console signs in as a confidential client).");
            }

            if (!Uri.TryCreate(options.Oidc.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"Dashboard:Auth:Oidc:Authority is not an absolute http(s) URL (was '{options.Oidc.Authority}').");
            }
            else if (authority.Scheme != Uri.UriSchemeHttps && options.Oidc.RequireHttpsMetadata)
            {
                errors.Add($"Dashboard:Auth:Oidc:Authority must use https (was '{options.Oidc.Authority}'); for a provider on this machine only, "
                    + "set Dashboard:Auth:Oidc:RequireHttpsMetadata=false.");
            }

            if (string.IsNullOrWhiteSpace(options.Oidc.RoleClaim))
            {
                errors.Add("Dashboard:Auth:Oidc:RoleClaim is empty (the claim carrying the user's groups or roles, e.g. groups).");
            }

            foreach (var (claim, role) in options.Oidc.RoleMap)
            {
                if (!Roles.IsKnown(role))
                {
                    errors.Add($"Dashboard:Auth:Oidc:RoleMap:{claim} must map to one of {string.Join(", ", Roles.All)} (was '{role}').");
                }
            }
        }

        if (options.SessionLifetime <= TimeSpan.Zero)
        {
            errors.Add("Dashboard:Auth:SessionLifetime must be positive.");
        }

        if (options.RevalidationInterval <= TimeSpan.Zero)
        {
            errors.Add("Dashboard:Auth:RevalidationInterval must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
