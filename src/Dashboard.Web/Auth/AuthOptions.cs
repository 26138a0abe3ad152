namespace Dashboard.Web.Auth;

/// <summary>Sign-in settings, bound from <c>Dashboard:Auth</c>. At least one way to sign in must be configured.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Dashboard:Auth";

    /// <summary>Local users (the embedded demo creates these). Passwords are stored as PBKDF2 hashes only.</summary>
    public List<LocalUser> LocalUsers { get; set; } = [];

    /// <summary>Named bearer tokens for scripts; stored as SHA-256 hashes only.</summary>
    public List<ApiTokenEntry> ApiTokens { get; set; } = [];

    public OidcSettings Oidc { get; set; } = new();

    /// <summary>A browser session ends this long after sign-in, also for an open console.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often an open console re-checks that its sign-in is still valid.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sign-in attempts allowed per client address per minute.</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>Browser origins, besides the console's own, allowed to open the hub.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public bool OidcEnabled => !string.IsNullOrWhiteSpace(Oidc.Authority);
}

public sealed class LocalUser
{
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public string PasswordHash { get; set; } = "";
}

public sealed class ApiTokenEntry
{
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public string TokenHash { get; set; } = "";
}

public sealed class OidcSettings
{
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>The claim in the ID token that carries the user's groups or roles.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Claim value → console role (viewer, operator, auditor, admin). Unmapped values grant nothing.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Scopes to request besides <c>openid</c> and <c>profile</c> (e.g. the one that releases the group claim).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Refuse a provider whose authority is not https; turn off only for a provider on the same machine.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
