using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace Dashboard.Web.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, writing the same markup from shared strings. The provider writes its theme as a style
/// sheet of CSS variables (about 12,000 characters), built anew at every render, and an open tab keeps its last two
/// renders: every tab held two copies of the same text, about 46 KB. Here the text is built as before and then
/// interned, so every tab points at one string per theme and mode (the console has one theme and two modes) and the
/// new copy is garbage at once. Everything else (the system's dark mode and its watch) is MudBlazor's own.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // What MudThemeProvider writes between the scrollbar's style and the theme's (the test compares the markup).
    private const string ChartStyle = "<style>\n    .mud-chart-serie:hover {\n        filter: url(#lighten);\n    }\n\n    .mud-chart-serie-hovered \n    {\n        filter: url(#lighten);\n    }\n</style>\n\n";

    protected override void BuildRenderTree(RenderTreeBuilder __builder)
    {
        ArgumentNullException.ThrowIfNull(__builder);
        if (!DefaultScrollbar)
        {
            __builder.AddMarkupContent(0, string.Intern(BuildMudBlazorScrollbar()));
        }

        __builder.AddMarkupContent(1, ChartStyle);
        __builder.AddMarkupContent(2, string.Intern(BuildTheme()));
    }
}
