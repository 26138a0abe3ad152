using Dashboard.Core.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Web.Auth;

/// <summary>Who is acting in this console; components depend on this so tests can substitute it.</summary>
public interface ICurrentActor
{
    string? ClientAddress { get; set; }

    /// <summary>Null when nobody is signed in or the sign-in expired or was revoked.</summary>
    Task<Actor?> GetAsync();
}

/// <summary>
/// The actor behind the current console (circuit): re-validated at every call, so every action sees the sign-in as
/// it is now. The client address is captured from the request that opened the page.
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authState, SessionValidator validator, ServerSessions sessions) : ICurrentActor
{
    public string? ClientAddress { get; set; }

    /// <summary>Null when nobody is signed in or the sign-in expired or was revoked.</summary>
    public async Task<Actor?> GetAsync()
    {
        var state = await authState.GetAuthenticationStateAsync();
        var actor = validator.ActorOf(state.User, ClientAddress);
        return actor is not null && await sessions.IsActiveAsync(state.User, CancellationToken.None) ? actor : null;
    }
}
