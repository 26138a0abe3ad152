using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Proxy;

/// <summary>
/// The reverse proxies (for example nginx terminating TLS) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
/// the console believes, bound from <c>Dashboard:Proxy</c>. With none configured the headers are ignored, so nobody
/// can claim another client address or scheme; with them, the client's address (audit log, sign-in rate limit) and
/// scheme (the session cookie is <c>Secure</c> on https) come from the proxy.
/// </summary>
public sealed class ProxyOptions
{
    public const string SectionName = "Dashboard:Proxy";

    /// <summary>Addresses of trusted proxies, e.g. <c>127.0.0.1</c> for nginx on the same host.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>
    /// The path the console is served under, e.g. <c>/ops/jobs</c> (empty: the root). A proxy that strips the
    /// prefix instead sends <c>X-Forwarded-Prefix</c>, honoured from trusted proxies, and needs no setting here.
    /// </summary>
    public string PathBase { get; set; } = "";

    public bool Enabled => TrustedProxies.Count > 0 || TrustedNetworks.Count > 0;
}

public sealed partial class ValidateProxyOptions : IValidateOptions<ProxyOptions>
{
    /// <summary>Null for a usable path base (empty, or <c>/segment[/segment…]</c> without a trailing slash).</summary>
    public static string? PathBaseProblem(string? pathBase) =>
        string.IsNullOrEmpty(pathBase) || PathBaseShape().IsMatch(pathBase)
            ? null
            : "must start with '/', have no trailing '/' and hold only letters, digits and - . _ ~ in its segments, e.g. /ops/jobs";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(/[A-Za-z0-9\-._~]+)+$")]
    private static partial System.Text.RegularExpressions.Regex PathBaseShape();

    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (!IPAddress.TryParse(options.TrustedProxies[i], out _))
            {
                errors.Add($"{ProxyOptions.SectionName}:TrustedProxies:{i} is not an IP address (was '{options.TrustedProxies[i]}').");
            }
        }

        for (var i = 0; i < options.TrustedNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.TrustedNetworks[i], out _))
            {
                errors.Add($"{ProxyOptions.SectionName}:TrustedNetworks:{i} is not a network in CIDR form such as 10.0.0.0/24 (was '{options.TrustedNetworks[i]}').");
            }
        }

        if (PathBaseProblem(options.PathBase) is { } problem)
        {
            errors.Add($"{ProxyOptions.SectionName}:PathBase {problem} (was '{options.PathBase}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static partial class ProxyExtensions
{
    public static IServiceCollection AddDashboardProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ValidateProxyOptions>();
        return services;
    }

    /// <summary>
    /// Honours forwarded headers from the configured proxies only (one hop); nothing when none is configured. The
    /// prefix (<c>X-Forwarded-Prefix</c>, sent by a proxy that serves the console under a path it strips) is read
    /// first and on its own, so requests without one still get their client address and scheme.
    /// </summary>
    public static IApplicationBuilder UseDashboardForwardedHeaders(this IApplicationBuilder app, ProxyOptions proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (!proxy.Enabled)
        {
            // ForwardedHeadersOptions with no known proxies trusts every sender: never use it unconfigured.
            return app;
        }

        // The prefix first: it checks the connection's address, which the second one replaces with the client's.
        app.UseForwardedHeaders(Trusting(proxy, ForwardedHeaders.XForwardedPrefix));
        return app.UseForwardedHeaders(Trusting(proxy, ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto));
    }

    private static ForwardedHeadersOptions Trusting(ProxyOptions proxy, ForwardedHeaders headers)
    {
        var options = new ForwardedHeadersOptions { ForwardedHeaders = headers, ForwardLimit = 1 };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var address in proxy.TrustedProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(address));
        }

        foreach (var network in proxy.TrustedNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        return options;
    }
}
