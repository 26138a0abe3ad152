using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// The rows: what does not move with the clock is one shared HTML string per lease (RowMarkup); the ages and the
// button are the row's only frames of their own.
public sealed partial class LeaseTable
{
    private RenderFragment? _rows;

    private RenderFragment Rows => _rows ??= WriteRows;

    private void WriteRows(RenderTreeBuilder builder)
    {
        foreach (var job in Processing)
        {
            builder.OpenElement(0, "tr");
            builder.AddAttribute(1, "class", job.IsStuck ? "stuck-row" : null);
            builder.AddAttribute(2, "data-testid", "lease-row");
            builder.AddAttribute(3, "data-job-id", job.Id);
            builder.AddContent(4, RowMarkup.LeaseHead(job));
            builder.OpenElement(5, "td");
            builder.AddContent(6, Cells.Age(job.LeasedAt, Now));
            builder.CloseElement();
            builder.OpenElement(7, "td");
            builder.AddContent(8, Cells.Age(job.HeartbeatAt, Now));
            builder.CloseElement();
            builder.AddContent(9, RowMarkup.LeaseAttempts(job));
            builder.OpenElement(10, "td");
            builder.AddContent(11, RowMarkup.LeaseChip(job));
            if (job.IsStuck && CanRelease)
            {
                builder.OpenRegion(12);
                Cells.Button(builder, this, "Force-release", "release-lease", Enabled, () => OnRelease.InvokeAsync(job), danger: true);
                builder.CloseRegion();
            }

            builder.CloseElement();
            builder.CloseElement();
        }
    }
}
