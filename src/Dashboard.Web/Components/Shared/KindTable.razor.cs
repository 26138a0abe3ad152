using Dashboard.Core.History;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// The rows: what does not move with the clock is one shared HTML string per kind (RowMarkup); the age and the
// buttons are the row's only frames of their own.
public sealed partial class KindTable
{
    private RenderFragment? _rows;

    private RenderFragment? _pageLinks;

    private RenderFragment Rows => _rows ??= WriteRows;

    private RenderFragment PageLinks => _pageLinks ??= builder =>
        Pagination.Write(builder, this, Pages, Math.Clamp(Page, 0, Pages - 1), "kind-pages", "mb-6", p => OnPageChanged.InvokeAsync(p));

    private void WriteRows(RenderTreeBuilder builder)
    {
        var actions = CanPause || CanResume || CanRelease;
        foreach (var kind in Shown)
        {
            builder.OpenElement(0, "tr");
            builder.AddAttribute(1, "data-testid", "kind-row");
            builder.AddAttribute(2, "data-kind", kind.Kind);
            builder.AddContent(3, RowMarkup.KindHead(kind, Previous?.KindNamed(kind.Kind)));
            builder.AddContent(4, RowMarkup.Trend(Trends.TryGetValue(kind.Kind, out var trend) ? trend : Array.Empty<HistoryPoint>(), Now));
            builder.OpenElement(5, "td");
            builder.AddContent(6, Cells.Age(kind.OldestQueuedAt, Now));
            builder.CloseElement();
            builder.AddContent(7, RowMarkup.KindTail(kind));
            if (actions)
            {
                builder.OpenElement(8, "td");
                builder.AddAttribute(9, "class", "actions");
                if (kind.Paused && CanResume)
                {
                    builder.OpenRegion(10);
                    Cells.Button(builder, this, "Resume", "resume-kind", Enabled, () => OnResume.InvokeAsync(kind));
                    builder.CloseRegion();
                }
                else if (!kind.Paused && CanPause)
                {
                    builder.OpenRegion(11);
                    Cells.Button(builder, this, "Pause", "pause-kind", Enabled, () => OnPause.InvokeAsync(kind));
                    builder.CloseRegion();
                }

                if (CanRelease && kind.Stuck > 0)
                {
                    builder.OpenRegion(12);
                    Cells.Button(builder, this, "Release stuck", "release-kind-stuck", Enabled, () => OnReleaseStuck.InvokeAsync(kind), danger: true);
                    builder.CloseRegion();
                }

                builder.CloseElement();
            }

            builder.CloseElement();
        }
    }
}
