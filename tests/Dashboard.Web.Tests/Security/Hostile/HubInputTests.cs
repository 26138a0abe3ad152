using System.Net;
using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>The jobs hub: hostile method names and arguments over the real SignalR client, hostile negotiation queries.</summary>
[Collection(HostileCollection.Name)]
public sealed class HubInputTests(HostileApp app, ITestOutputHelper output) : HostileSuite(app, output)
{
    [Fact]
    public async Task HostileHubCalls_AreRefusedAsHubErrors_AndTheConnectionLives()
    {
        await using var hub = App.NewHubConnection(await App.SignInAsync(Roles.Viewer));
        await hub.StartAsync();
        var before = await FingerprintAsync();
        foreach (var value in HostileStrings.All.Select(SignInInputTests.SafeForQuery))
        {
            foreach (var (label, call) in new (string, Func<Task>)[]
            {
                ($"method {HostileStrings.Label(value)}", () => hub.InvokeAsync<object>(value.Length == 0 ? " " : value)),
                ($"GetSnapshot({HostileStrings.Label(value)})", () => hub.InvokeAsync<FeedState>("GetSnapshot", value)),
                ($"GetSnapshot(null, {HostileStrings.Label(value)})", () => hub.InvokeAsync<FeedState>("GetSnapshot", null, value)),
            })
            {
                Cases++;
                var ex = await Record.ExceptionAsync(call);
                // SignalR names an unknown method in its error, to this caller only, inside its JSON protocol.
                Check(ex is HubException, $"{label}: {ex?.GetType().Name ?? "accepted"}");
            }
        }

        Check(hub.State == HubConnectionState.Connected, "the connection dropped");
        Check(await hub.InvokeAsync<FeedState>("GetSnapshot") is not null, "GetSnapshot failed after the hostile calls");
        Check(before == await FingerprintAsync(), "hub calls changed the database");
        Finish("hub methods", 150);
    }

    [Fact]
    public async Task HostileNegotiationQueries_NeverFail()
    {
        using var client = App.NewClient(await App.SignInAsync(Roles.Viewer));
        foreach (var value in HostileStrings.All.Select(SignInInputTests.SafeForQuery))
        {
            foreach (var key in new[] { "negotiateVersion", "id", "access_token" })
            {
                using var response = await client.PostAsync($"/hubs/jobs/negotiate?{key}={Uri.EscapeDataString(value)}", null);
                var label = $"negotiate {key}={HostileStrings.Label(value)}";
                await ExpectSaneAsync(response, label, value);
                Check(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.RequestUriTooLong,
                    $"{label}: {(int)response.StatusCode}");
            }
        }

        Finish("hub negotiation", 150);
    }
}
