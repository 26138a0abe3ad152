using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Auth;

/// <summary>Re-checks an open console's sign-in periodically; an expired or revoked one signs the page out.</summary>
public sealed class RevalidatingAuthStateProvider(
    ILoggerFactory loggerFactory,
    SessionValidator validator,
    ServerSessions sessions,
    IOptions<AuthOptions> options) : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        validator.IsValid(authenticationState.User) && await sessions.IsActiveAsync(authenticationState.User, cancellationToken);
}
