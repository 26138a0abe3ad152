using System.Net;
using System.Net.Sockets;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Browser.Tests.Oidc;

/// <summary>
/// The real console signing in through the test OpenID provider: group <c>jobs-operators</c> → operator,
/// <c>engineering</c> → viewer, a one-second revalidation interval, and a clock the test can move forward.
/// </summary>
public class OidcApp : DashboardApp
{
    /// <summary>How long the provider's tokens live; the console's own session lifetime stays at its 8 h default.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);

    private int _port;

    public TestOidcProvider? Provider { get; private set; }

    /// <summary>The console's clock: real time plus an offset the test sets (timers stay real).</summary>
    public OffsetClock Clock { get; } = new();

    protected override int Port => _port;

    protected virtual string ClientSecret => TestOidcProvider.ClientSecret;

    /// <summary>The authority the console is configured with; the started provider unless overridden.</summary>
    protected virtual string Authority => Provider!.Issuer.ToString();

    protected virtual bool StartsProvider => true;

    protected virtual bool ProviderOffersPushedAuthorization => true;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Dashboard:Auth:Oidc:Authority", Authority),
        new("Dashboard:Auth:Oidc:ClientId", TestOidcProvider.ClientId),
        new("Dashboard:Auth:Oidc:ClientSecret", ClientSecret),
        new("Dashboard:Auth:Oidc:RequireHttpsMetadata", "false"),
        new("Dashboard:Auth:Oidc:Scopes:0", "groups"),
        new("Dashboard:Auth:Oidc:RoleClaim", "groups"),
        new("Dashboard:Auth:Oidc:RoleMap:jobs-operators", Roles.Operator),
        new("Dashboard:Auth:Oidc:RoleMap:engineering", Roles.Viewer),
        new("Dashboard:Auth:RevalidationInterval", "00:00:01"),
    ];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    protected override async Task BeforeStartAsync()
    {
        // The provider must know the console's redirect URIs, so the console's port is chosen first.
        _port = FreePort();
        if (StartsProvider)
        {
            Provider = await TestOidcProvider.StartAsync(new Uri($"http://127.0.0.1:{_port}"), TokenLifetime, ProviderOffersPushedAuthorization);
        }
    }

    protected override async Task AfterStopAsync()
    {
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>Real time plus an offset; only "now" moves, timers and timestamps are the system's.</summary>
public sealed class OffsetClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>The console configured with a client secret the provider does not know.</summary>
public class WrongSecretOidcApp : OidcApp
{
    protected override string ClientSecret => "not-the-client-secret";
}

/// <summary>A wrong client secret and a provider without pushed authorization requests: found at the code redemption.</summary>
public sealed class WrongSecretWithoutParOidcApp : WrongSecretOidcApp
{
    protected override bool ProviderOffersPushedAuthorization => false;
}

/// <summary>The console configured with an authority where nothing listens.</summary>
public sealed class UnreachableOidcApp : OidcApp
{
    private readonly int _closedPort = FreePort();

    protected override bool StartsProvider => false;

    protected override string Authority => $"http://127.0.0.1:{_closedPort}/";
}
