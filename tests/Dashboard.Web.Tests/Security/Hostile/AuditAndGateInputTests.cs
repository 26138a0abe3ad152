using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>The audit export's filters and the deploy gate's bodies, headers and query strings.</summary>
[Collection(HostileCollection.Name)]
public sealed class AuditAndGateInputTests(HostileApp app, ITestOutputHelper output) : HostileSuite(app, output)
{
    private static readonly string[] _filters = ["from", "to", "actor", "action", "kind", "job", "worker", "outcome", "text"];

    [Fact]
    public async Task AuditExportFilters_AnswerACompleteCsvOrAClearRefusal()
    {
        await App.Database.PsqlAsync("INSERT INTO audit_log (actor, auth_method, action, reason, outcome) VALUES ('alice', 'local', 'pause_kind', 'seed', 'applied: x')");
        using var client = App.NewClient(await App.SignInAsync(Roles.Auditor));
        foreach (var filter in _filters)
        {
            foreach (var value in HostileStrings.All)
            {
                var label = $"{filter}={HostileStrings.Label(value)}";
                var before = await FingerprintAsync();
                string body;
                HttpResponseMessage response;
                try
                {
                    response = await client.GetAsync($"/audit/export.csv?{filter}={Uri.EscapeDataString(SignInInputTests.SafeForQuery(value))}");
                    body = await ExpectSaneAsync(response, label, value);
                }
                catch (HttpRequestException ex)
                {
                    // A cut connection: the export failed half-way.
                    Cases++;
                    Check(false, $"{label}: the connection was cut ({ex.Message})");
                    continue;
                }

                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Check(body.StartsWith("seq,at,actor,", StringComparison.Ordinal) && body.EndsWith("\r\n", StringComparison.Ordinal), $"{label}: an incomplete CSV");
                    }
                    else
                    {
                        await ExpectRefusedUnchangedAsync(response, before, label);
                    }
                }
            }
        }

        Finish("audit export filters", 450);
    }

    [Fact]
    public async Task DeployGateBodies_AreAppliedOrRefusedClearly_AndRefusalsChangeNothing()
    {
        using var client = TokenClient(DashboardApp.OperatorToken);
        foreach (var value in HostileStrings.All)
        {
            var text = System.Text.Json.JsonSerializer.Serialize(SignInInputTests.SafeForQuery(value));
            (string Label, HttpContent Content)[] bodies =
            [
                ($"reason {HostileStrings.Label(value)}", Json($"{{\"reason\": {text}}}")),
                ($"idempotency_key {HostileStrings.Label(value)}", Json($"{{\"idempotency_key\": {text}, \"reason\": \"hostile\"}}")),
                ($"raw JSON body {HostileStrings.Label(value)}", Json(SignInInputTests.SafeForQuery(value))),
                ($"text/plain body {HostileStrings.Label(value)}", new StringContent(SignInInputTests.SafeForQuery(value), System.Text.Encoding.UTF8, "text/plain")),
            ];
            foreach (var (label, content) in bodies)
            {
                await App.Database.PsqlAsync("UPDATE queue_control SET accepting = true");
                var before = await FingerprintAsync();
                using var response = await client.PostAsync("/health/jobs/pause", content);
                await ExpectSaneAsync(response, label, value);
                var json = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    Check(json.Contains("\"outcome\"", StringComparison.Ordinal), $"{label}: no outcome in {json}");
                }
                else
                {
                    await ExpectRefusedUnchangedAsync(response, before, label);
                    Check(json.Contains("\"error\"", StringComparison.Ordinal), $"{label}: {(int)response.StatusCode} without an error body");
                }
            }
        }

        await App.Database.PsqlAsync("UPDATE queue_control SET accepting = true");
        Finish("deploy gate bodies", 200);
    }

    [Fact]
    public async Task DeployGateTokensAndQueries_NeverGetPastAuthenticationOrFail()
    {
        // Header values a client can send: ASCII without CR, LF or NUL.
        foreach (var value in HostileStrings.All.Where(v => v.All(c => c < 0x7f && c is not ('\r' or '\n' or '\0'))))
        {
            // A hostile bearer token: 401 with a Bearer challenge, nothing changed.
            using (var client = App.NewClient())
            {
                var before = await FingerprintAsync();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/health/jobs/pause") { Content = Json("{}") };
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + value);
                using var response = await client.SendAsync(request);
                var label = $"token {HostileStrings.Label(value)}";
                await ExpectSaneAsync(response, label, value);
                await ExpectRefusedUnchangedAsync(response, before, label);
                Check(response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer"), $"{label}: no Bearer challenge");
            }

            // Hostile query strings on the status: ignored.
            using (var client = TokenClient(DashboardApp.ViewerToken))
            {
                using var response = await client.GetAsync("/health/jobs?" + Uri.EscapeDataString(value) + "=" + Uri.EscapeDataString(value));
                var label = $"status query {HostileStrings.Label(value)}";
                await ExpectSaneAsync(response, label, value);
                Check(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.RequestUriTooLong, $"{label}: answered {(int)response.StatusCode}");
            }
        }

        Finish("deploy gate tokens and queries", 80);
    }
}
