using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// A row is one shared HTML string (RowMarkup); a row with a button keeps its element and the button as frames. The
// table is drawn again only when what it shows changed: its ages move in the browser.
public sealed partial class LeaseTable
{
    private RenderFragment? _rows;
    private RenderFragment Rows => _rows ??= WriteRows;

    // Now is left out: the ages' markup does not change with the clock, and an age drawn earlier moves on in the browser.
    protected override object View => (Processing, Total, Offset, Filtered, CanRelease, Enabled);

    private void WriteRows(RenderTreeBuilder builder)
    {
        foreach (var job in Processing)
        {
            if (!job.IsStuck || !CanRelease)
            {
                builder.AddContent(0, RowMarkup.LeaseRow(job, Now));
                continue;
            }

            builder.OpenElement(1, "tr");
            builder.AddAttribute(2, "class", "stuck-row");
            builder.AddAttribute(3, "data-testid", "lease-row");
            builder.AddAttribute(4, "data-job-id", job.Id);
            builder.AddContent(5, RowMarkup.LeaseCells(job, Now));
            builder.OpenElement(6, "td");
            builder.AddContent(7, RowMarkup.LeaseChip(job, Now));
            builder.OpenRegion(8);
            Cells.Button(builder, this, "Force-release", "release-lease", Enabled, () => OnRelease.InvokeAsync(job), danger: true);
            builder.CloseRegion();
            builder.CloseElement();
            builder.CloseElement();
        }
    }
}
