namespace Dashboard.Core.Security;

/// <summary>
/// Who is acting, as recorded in the audit log: a signed-in user or an API token's name, how they signed in
/// (e.g. "oidc", "local", "token"), from which address, and what their role allows.
/// </summary>
public sealed record Actor(string Name, string AuthMethod, string? SourceAddress, string Role)
{
    public bool Can(string permission) => Roles.PermissionsOf(Role).Contains(permission);
}
