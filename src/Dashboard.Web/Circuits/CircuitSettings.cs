using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Circuits;

/// <summary>
/// How long the server keeps the circuit (the live page's server-side state) of a tab whose connection dropped
/// without saying goodbye, bound from <c>Dashboard:Circuits</c>. A closed tab or a navigation away tells the server and
/// its circuit is released at once; these cover tabs that vanish (a crashed browser, a dropped network, a sleeping
/// laptop). Every console page rebuilds itself from the shared snapshot and its URL, so a tab that comes back after its
/// circuit was released only reloads: retention can be short.
/// </summary>
public sealed class CircuitSettings
{
    public const string SectionName = "Dashboard:Circuits";

    /// <summary>How long a disconnected circuit waits for its tab to reconnect (ASP.NET Core's default is 3 minutes).</summary>
    public TimeSpan DisconnectedRetention { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most this many disconnected circuits are kept; the oldest goes first (ASP.NET Core's default is 100).</summary>
    public int DisconnectedMaxRetained { get; set; } = 100;

    /// <summary>Copies the settings onto Blazor's own options.</summary>
    public void ApplyTo(CircuitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.DisconnectedCircuitRetentionPeriod = DisconnectedRetention;
        options.DisconnectedCircuitMaxRetained = DisconnectedMaxRetained;
    }
}

public sealed class ValidateCircuitSettings : IValidateOptions<CircuitSettings>
{
    public ValidateOptionsResult Validate(string? name, CircuitSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.DisconnectedRetention <= TimeSpan.Zero)
        {
            errors.Add($"{CircuitSettings.SectionName}:DisconnectedRetention must be positive (was '{options.DisconnectedRetention}').");
        }

        if (options.DisconnectedMaxRetained < 0)
        {
            errors.Add($"{CircuitSettings.SectionName}:DisconnectedMaxRetained must be 0 or more (was {options.DisconnectedMaxRetained}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
