using System.Globalization;
using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>
/// Route × caller with path-case and trailing-slash variants: every variant must answer as the canonical path does
/// for the same caller (routing ignores case and a trailing slash, so every check must too), never 5xx, and a
/// refused request changes nothing. A viewer's browser on a foreign origin is one of the callers.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class RouteVariantTests(HostileApp app, ITestOutputHelper output) : HostileSuite(app, output)
{
    private const string ForeignOrigin = "viewer@https://evil.example";

    private static readonly (string Method, string Path, string Body)[] _routes =
    [
        ("GET", "/", ""), ("POST", "/", "form"), ("GET", "/denied", ""), ("GET", "/drain", ""), ("GET", "/audit", ""),
        ("GET", "/audit/export.csv", ""), ("GET", "/health/jobs", ""), ("POST", "/health/jobs/pause", "json"),
        ("POST", "/health/jobs/resume", "json"), ("PUT", "/health/jobs/pause", ""), ("GET", "/health/jobs/resume", ""),
        ("GET", "/signin", ""), ("POST", "/account/signin", "form"), ("GET", "/account/signin-oidc-start", ""),
        ("POST", "/account/signout", "form"), ("POST", "/_blazor/negotiate?negotiateVersion=1", ""),
        ("POST", "/hubs/jobs/negotiate?negotiateVersion=1", ""), ("GET", "/no-such-page", ""),
    ];

    private static readonly string[] _callers =
        ["anonymous", Roles.Viewer, Roles.Operator, Roles.Auditor, Roles.Admin, "token:operator", "token:viewer", ForeignOrigin];

    [Fact]
    public async Task EveryRouteVariant_AnswersAsTheCanonicalRoute_ForEveryCaller()
    {
        foreach (var caller in _callers)
        {
            using var client = await ClientForAsync(caller);
            foreach (var (method, canonicalPath, body) in _routes)
            {
                var canonical = await SendAsync(client, caller, method, canonicalPath, body);
                await ExpectSaneAsync(canonical.Response, $"{caller} {method} {canonicalPath}");
                foreach (var variant in Variants(canonicalPath))
                {
                    var before = await FingerprintAsync();
                    var answer = await SendAsync(client, caller, method, variant, body);
                    var label = $"{caller} {method} {variant}";
                    await ExpectSaneAsync(answer.Response, label);
                    Check(answer.Outcome == canonical.Outcome, $"{label}: answered {answer.Outcome}, the canonical path {canonical.Outcome}");
                    if (answer.Outcome is "401" or "403")
                    {
                        await ExpectRefusedUnchangedAsync(answer.Response, before, label);
                    }

                    if (caller == ForeignOrigin && (variant.Contains("hubs", StringComparison.OrdinalIgnoreCase) || variant.Contains("blazor", StringComparison.OrdinalIgnoreCase)))
                    {
                        Check(answer.Response.StatusCode == HttpStatusCode.Forbidden, $"{label}: a foreign origin got {(int)answer.Response.StatusCode}");
                    }

                    answer.Response.Dispose();
                }

                canonical.Response.Dispose();
            }
        }

        // The operator token paused intake along the way.
        await App.Database.PsqlAsync("UPDATE queue_control SET accepting = true");
        Finish("route × caller variants", 500);
    }

    /// <summary>Upper case, capitalised segments, a trailing slash, and upper case with a trailing slash.</summary>
    internal static IEnumerable<string> Variants(string pathAndQuery)
    {
        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = q < 0 ? (pathAndQuery, "") : (pathAndQuery[..q], pathAndQuery[q..]);
        var title = string.Join('/', path.Split('/').Select(s => s.Length == 0 ? s : char.ToUpper(s[0], CultureInfo.InvariantCulture) + s[1..]));
        var upper = path.ToUpperInvariant();
        string[] variants = [upper, title, path + "/", upper + "/"];
        return variants.Where(v => v != path && v != "//").Distinct(StringComparer.Ordinal).Select(v => v + query);
    }

    private async Task<(HttpResponseMessage Response, string Outcome)> SendAsync(HttpClient client, string caller, string method, string path, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Content = body switch
        {
            "form" => new FormUrlEncodedContent([]),
            "json" => Json("{}"),
            _ => null,
        };
        if (caller == ForeignOrigin)
        {
            request.Headers.Add("Origin", "https://evil.example");
        }

        var response = await client.SendAsync(request);
        var outcome = response.StatusCode switch
        {
            HttpStatusCode.Redirect when response.Headers.Location?.OriginalString.Contains("/signin", StringComparison.Ordinal) == true => "401",
            var s => ((int)s).ToString(CultureInfo.InvariantCulture),
        };
        return (response, outcome);
    }

    private async Task<HttpClient> ClientForAsync(string caller) => caller switch
    {
        "anonymous" => App.NewClient(),
        "token:operator" => TokenClient(DashboardApp.OperatorToken),
        "token:viewer" => TokenClient(DashboardApp.ViewerToken),
        ForeignOrigin => App.NewClient(await App.SignInAsync(Roles.Viewer)),
        _ => App.NewClient(await App.SignInAsync(caller)),
    };
}
