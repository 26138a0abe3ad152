using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// A row is its element and two shared HTML strings (RowMarkup): the cells that name the lease stay in place while
// those that move with its heartbeat change. The table is drawn again only when what it shows changed: its ages move
// in the browser.
public sealed partial class LeaseTable
{
    private RenderFragment? _rows;
    private RenderFragment Rows => _rows ??= WriteRows;

    private readonly RowHandlers<ProcessingJob> _handlers = new();

    // Now is left out: the ages' markup does not change with the clock, and an age drawn earlier moves on in the browser.
    protected override object View => (Processing, Total, Offset, Filtered, CanRelease, Enabled);

    private void WriteRows(RenderTreeBuilder builder)
    {
        foreach (var job in Processing)
        {
            builder.OpenElement(0, "tr");
            builder.AddAttribute(1, "class", job.IsStuck ? "stuck-row" : null);
            builder.AddAttribute(2, "data-testid", "lease-row");
            builder.AddAttribute(3, "data-job-id", job.Id);
            builder.AddContent(4, RowMarkup.LeaseHead(job, Now));
            builder.AddContent(5, RowMarkup.LeaseCells(job, Now));
            builder.OpenElement(6, "td");
            builder.AddContent(7, RowMarkup.LeaseChip(job, Now));
            if (job.IsStuck && CanRelease)
            {
                builder.OpenRegion(8);
                Cells.Button(builder, this, "Force-release", "release-lease", Enabled, _handlers.For(job, "release", j => OnRelease.InvokeAsync(j)), danger: true);
                builder.CloseRegion();
            }

            builder.CloseElement();
            builder.CloseElement();
        }
    }
}
