using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>Sign-in: hostile return URLs (after a right and a wrong password, on the page, for single sign-on) and hostile names and passwords.</summary>
[Collection(HostileCollection.Name)]
public sealed class SignInInputTests(HostileApp app, ITestOutputHelper output) : HostileSuite(app, output)
{
    [Fact]
    public async Task HostileReturnUrls_NeverLeaveTheSite_NorReachTheHeader()
    {
        foreach (var returnUrl in HostileStrings.ReturnUrls.Concat(HostileStrings.All.Select(s => "/" + s)))
        {
            var label = $"returnUrl {HostileStrings.Label(returnUrl)}";

            // A right password: home or the local path, nothing else.
            using (var client = App.NewClient())
            {
                using var ok = await SecurityFindingsTests.PostSignInAsync(client, Roles.Viewer, DashboardApp.PasswordOf(Roles.Viewer), SafeForQuery(returnUrl));
                await ExpectSaneAsync(ok, $"{label} signed in", returnUrl);
                if (ok.StatusCode == HttpStatusCode.Redirect)
                {
                    Check(IsLocalLocation(ok.Headers.Location!.OriginalString), $"{label}: redirected to {HostileStrings.Label(ok.Headers.Location.OriginalString)}");
                }
                else
                {
                    Check(ok.StatusCode == HttpStatusCode.BadRequest, $"{label}: signed in with {(int)ok.StatusCode}");
                }
            }

            // A wrong password: back to the form, the return URL escaped in the query.
            using (var client = App.NewClient())
            {
                var before = await FingerprintAsync();
                using var wrong = await SecurityFindingsTests.PostSignInAsync(client, Roles.Viewer, "wrong", SafeForQuery(returnUrl));
                await ExpectSaneAsync(wrong, $"{label} wrong password", returnUrl);
                Check(wrong.StatusCode == HttpStatusCode.BadRequest
                    || wrong.Headers.Location?.OriginalString.StartsWith("/signin?failed=1", StringComparison.Ordinal) == true,
                    $"{label}: a wrong password answered {(int)wrong.StatusCode} {wrong.Headers.Location}");
                Check(before == await FingerprintAsync(), $"{label}: a wrong password changed the database");
            }

            // The sign-in page and the single sign-on start with the value in the query string.
            using (var client = App.NewClient())
            {
                var query = "?returnUrl=" + Uri.EscapeDataString(SafeForQuery(returnUrl));
                using var page = await client.GetAsync("/signin" + query);
                var html = await ExpectSaneAsync(page, $"{label} page", returnUrl);
                // Kestrel refuses an over-long request line with 414 before the app sees it: a clear refusal too.
                var tooLong = page.StatusCode == HttpStatusCode.RequestUriTooLong;
                Check(page.StatusCode == HttpStatusCode.OK || tooLong, $"{label}: the page answered {(int)page.StatusCode}");
                var field = System.Text.RegularExpressions.Regex.Match(html, "name=\"returnUrl\" value=\"([^\"]*)\"").Groups[1].Value;
                Check(tooLong || IsLocalLocation(System.Net.WebUtility.HtmlDecode(field)), $"{label}: the form carries {HostileStrings.Label(field)}");
                using var sso = await client.GetAsync("/account/signin-oidc-start" + query);
                await ExpectSaneAsync(sso, $"{label} single sign-on", returnUrl);
                Check(sso.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.RequestUriTooLong, $"{label}: single sign-on (not configured) answered {(int)sso.StatusCode}");
            }
        }

        Finish("sign-in return URL", 200);
    }

    [Fact]
    public async Task HostileNamesAndPasswords_AreRefused_WithoutReflection()
    {
        // Unknown names cost a full-strength hash (so that they take as long as known ones): fewer of those.
        var cases = HostileStrings.All.Select(v => (Name: Roles.Viewer, Password: v, Field: "password"))
            .Concat(HostileStrings.All.Where((_, i) => i % 4 == 0).Select(v => (Name: v, Password: "whatever", Field: "name")));
        foreach (var (name, password, field) in cases)
        {
            var value = field == "name" ? name : password;
            {
                using var client = App.NewClient();
                var before = await FingerprintAsync();
                using var response = await SecurityFindingsTests.PostSignInAsync(client, SafeForQuery(name), SafeForQuery(password), "/");
                var label = $"{field} {HostileStrings.Label(value)}";
                await ExpectSaneAsync(response, label, value);
                Check(response.StatusCode == HttpStatusCode.BadRequest
                    || response.Headers.Location?.OriginalString.StartsWith("/signin?failed=1", StringComparison.Ordinal) == true,
                    $"{label}: answered {(int)response.StatusCode} {response.Headers.Location}");
                Check(before == await FingerprintAsync(), $"{label}: changed the database");
            }
        }

        Finish("sign-in name and password", 70);
    }

    // Uri.EscapeDataString refuses lone surrogates; send them as the replacement character a browser would.
    internal static string SafeForQuery(string value) =>
        HostileStrings.HasLoneSurrogate(value) ? new string([.. value.Select(c => char.IsSurrogate(c) ? '\ufffd' : c)]) : value;
}
