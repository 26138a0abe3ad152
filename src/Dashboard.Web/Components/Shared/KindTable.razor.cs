using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// A row without buttons is one HTML string shared by every viewer (RowMarkup); a row with buttons keeps its element
// and the buttons as frames. The table is drawn again only when what it shows changed: its ages move in the browser.
public sealed partial class KindTable
{
    private RenderFragment? _rows;

    private RenderFragment? _pageLinks;

    private readonly RowHandlers<KindStatus> _handlers = new();

    private RenderFragment Rows => _rows ??= WriteRows;

    private RenderFragment PageLinks => _pageLinks ??= builder =>
        Pagination.Write(builder, this, Pages, Math.Clamp(Page, 0, Pages - 1), "kind-pages", "mb-6", p => OnPageChanged.InvokeAsync(p));

    // Now is left out (the ages move in the browser) but for the minute the sparklines end at; Previous only matters
    // with new kinds, whose highlights it decides.
    protected override object View => (Kinds, Trends, RowMarkup.TrendEnd(Now), Filter, Sort, Page, CanPause, CanResume, CanRelease, Enabled);

    private bool Actions => CanPause || CanResume || CanRelease;

    private void WriteRows(RenderTreeBuilder builder)
    {
        var actions = Actions;
        foreach (var kind in Shown)
        {
            var head = RowMarkup.KindHead(kind, Previous?.KindNamed(kind.Kind));
            var trend = RowMarkup.Trend(Trends.TryGetValue(kind.Kind, out var points) ? points : Array.Empty<HistoryPoint>(), Now);
            var pauseOrResume = kind.Paused ? CanResume : CanPause;
            var release = CanRelease && kind.Stuck > 0;
            if (!pauseOrResume && !release)
            {
                builder.AddContent(0, RowMarkup.KindRowWithout(kind, head, trend, Now, emptyActions: actions));
                continue;
            }

            builder.OpenElement(1, "tr");
            builder.AddAttribute(2, "data-testid", "kind-row");
            builder.AddAttribute(3, "data-kind", kind.Kind);
            builder.AddContent(4, head);
            builder.AddContent(5, trend);
            builder.AddContent(6, RowMarkup.KindTail(kind, Now));
            builder.OpenRegion(7);
            Cells.Actions(builder, this, Enabled,
                !pauseOrResume ? null
                    : kind.Paused ? new RowAction("Resume", "resume-kind", _handlers.For(kind, "resume", k => OnResume.InvokeAsync(k)))
                    : new RowAction("Pause", "pause-kind", _handlers.For(kind, "pause", k => OnPause.InvokeAsync(k))),
                release ? new RowAction("Release stuck", "release-kind-stuck", _handlers.For(kind, "release", k => OnReleaseStuck.InvokeAsync(k)), Danger: true) : null);
            builder.CloseRegion();
            builder.CloseElement();
        }
    }
}
