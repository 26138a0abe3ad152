using System.Security.Claims;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Tests;

public sealed class AuthOptionsTests
{
    private static readonly ValidateAuthOptions _validator = new();

    [Fact]
    public void Validate_NamesTheMissingSetting_WhenNoSignInIsConfigured()
    {
        var result = _validator.Validate(null, new AuthOptions());

        Assert.True(result.Failed);
        Assert.Contains("Dashboard:Auth:Oidc:Authority", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Auth:LocalUsers", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsPlainPasswordsAndUnknownRoles()
    {
        var options = new AuthOptions { LocalUsers = [new LocalUser { Name = "ops", Role = "root", PasswordHash = "hunter2" }] };

        var result = _validator.Validate(null, options);

        Assert.Contains("Dashboard:Auth:LocalUsers:0:Role", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Auth:LocalUsers:0:PasswordHash", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void OidcRoles_PicksMostCapableMappedRole_AndIgnoresUnmapped()
    {
        var settings = new OidcSettings { RoleClaim = "groups", RoleMap = new() { ["sre"] = Roles.Operator, ["audit"] = Roles.Auditor } };
        var user = new ClaimsPrincipal(new ClaimsIdentity([new("groups", "audit"), new("groups", "sre"), new("groups", "admins")], "oidc"));
        var stranger = new ClaimsPrincipal(new ClaimsIdentity([new("groups", "admins")], "oidc"));

        Assert.Equal(Roles.Operator, OidcRoles.Map(user, settings));
        Assert.Null(OidcRoles.Map(stranger, settings));
    }

    [Fact]
    public void Validate_NamesTheOidcSetting_ForAMissingSecretOrAPlainHttpAuthority()
    {
        var options = new AuthOptions { Oidc = new OidcSettings { Authority = "http://login.example.com/realms/ops", ClientId = "jobs-console" } };

        var result = _validator.Validate(null, options);
        options.Oidc.ClientSecret = "s3cret";
        options.Oidc.RequireHttpsMetadata = false;
        var local = _validator.Validate(null, options);

        Assert.Contains("Dashboard:Auth:Oidc:ClientSecret is not set", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Auth:Oidc:Authority must use https", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(local.Succeeded, local.FailureMessage);
    }

    [Fact]
    public void OidcScopes_AreOpenIdAndProfile_PlusTheConfiguredOnes()
    {
        Assert.Equal(["openid", "profile"], OidcSignIn.EffectiveScopes(new OidcSettings()));
        Assert.Equal(["openid", "profile", "groups"], OidcSignIn.EffectiveScopes(new OidcSettings { Scopes = ["groups", "openid"] }));
    }

    [Fact]
    public void Session_IsInvalid_WhenExpiredOrRevoked()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var user = new LocalUser { Name = "alice", Role = Roles.Operator, PasswordHash = SecretHash.HashPassword("pw", 1000) };
        var options = new MutableOptions(new AuthOptions { LocalUsers = [user] });
        var validator = new SessionValidator(options, clock);
        var principal = new ClaimsPrincipal(DashboardClaims.Identity("Cookies", "alice", Roles.Operator, DashboardClaims.Local,
            clock.GetUtcNow().AddHours(1), DashboardClaims.StampOf(user)));

        var fresh = validator.IsValid(principal);
        options.CurrentValue = new AuthOptions { LocalUsers = [new LocalUser { Name = "alice", Role = Roles.Viewer, PasswordHash = user.PasswordHash }] };
        var afterRoleChange = validator.IsValid(principal);
        options.CurrentValue = new AuthOptions { LocalUsers = [user] };
        clock.Advance(TimeSpan.FromHours(2));
        var afterExpiry = validator.IsValid(principal);

        Assert.True(fresh);
        Assert.False(afterRoleChange);
        Assert.False(afterExpiry);
        Assert.Null(validator.ActorOf(principal, "10.0.0.1"));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class MutableOptions(AuthOptions value) : IOptionsMonitor<AuthOptions>
    {
        public AuthOptions CurrentValue { get; set; } = value;

        public AuthOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AuthOptions, string?> listener) => null;
    }
}
