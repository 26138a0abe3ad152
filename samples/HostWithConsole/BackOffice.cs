using System.Net;
using System.Security.Claims;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Antiforgery;

namespace HostWithConsole;

/// <summary>A back-office user from configuration (<c>BackOffice:Users:N:Name</c>, <c>PasswordHash</c>, <c>Roles</c>, <c>Teams</c>).</summary>
public sealed class BackOfficeUser
{
    public string Name { get; set; } = "";

    /// <summary>A hash from <c>dashboard-cli hash-password</c> (PBKDF2; the console's own format).</summary>
    public string PasswordHash { get; set; } = "";

    public List<string> Roles { get; set; } = [];

    public List<string> Teams { get; set; } = [];
}

/// <summary>The sample's own user store: the part of a real application the console knows nothing about.</summary>
public sealed class BackOfficeUsers(IConfiguration configuration)
{
    private readonly List<BackOfficeUser> _users = configuration.GetSection("BackOffice:Users").Get<List<BackOfficeUser>>() ?? [];

    public BackOfficeUser? Verify(string? name, string? password) =>
        _users.FirstOrDefault(u => u.Name == name) is { } user && SecretHash.VerifyPassword(password ?? "", user.PasswordHash) ? user : null;
}

/// <summary>The back office's two pages, as plain HTML.</summary>
public static class BackOfficePages
{
    public static string Home(ClaimsPrincipal user) =>
        $"""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Back office</title></head><body>
        <h1>Back office</h1>
        <p>{(user.Identity?.IsAuthenticated == true ? "Signed in as " + WebUtility.HtmlEncode(user.Identity.Name) : "Not signed in")}</p>
        <p><a href="/ops/jobs/">Jobs console</a></p>
        </body></html>
        """;

    public static string Login(HttpContext http, string? returnUrl, bool failed)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Back office sign-in</title></head><body>
            <h1>Back office sign-in</h1>
            {(failed ? "<p role=\"alert\">Wrong name or password.</p>" : "")}
            <form method="post" action="/login">
            <input type="hidden" name="{WebUtility.HtmlEncode(tokens.FormFieldName)}" value="{WebUtility.HtmlEncode(tokens.RequestToken)}">
            <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(returnUrl ?? "/")}">
            <label>Name <input name="name" required></label>
            <label>Password <input name="password" type="password" required></label>
            <button type="submit">Sign in</button>
            </form></body></html>
            """;
    }
}
