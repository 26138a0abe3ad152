using MudBlazor;

namespace Dashboard.Web.Components.Layout;

/// <summary>
/// The console's light and dark palettes: MudBlazor's defaults with status colours dark (light theme) or light
/// (dark theme) enough that text in them keeps a 4.5:1 contrast, which the accessibility check in the browser tests
/// enforces.
/// </summary>
public static class ConsoleTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f3fd6",
            Secondary = "#c2185b",
            Info = "#01579b",
            Success = "#1b5e20",
            Warning = "#8a4b00",
            Error = "#b71c1c",
            TextSecondary = "rgba(0,0,0,0.66)",
            AppbarBackground = "#4f3fd6",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9d93ff",
            PrimaryContrastText = "#000000",
            Secondary = "#ff80ab",
            Info = "#64b5f6",
            InfoContrastText = "#000000",
            Success = "#81c784",
            SuccessContrastText = "#000000",
            Warning = "#ffb74d",
            WarningContrastText = "#000000",
            Error = "#ffb4ab",
            ErrorContrastText = "#000000",
            TextSecondary = "rgba(255,255,255,0.74)",
            AppbarBackground = "#1f1f2b",
        },
    };
}
