using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// The rows: what does not move with the clock is one shared HTML string per worker (RowMarkup); the ages and the
// buttons are the row's only frames of their own.
public sealed partial class WorkerTable
{
    private RenderFragment? _rows;

    private RenderFragment Rows => _rows ??= WriteRows;

    private void WriteRows(RenderTreeBuilder builder)
    {
        var actions = CanDrain || CanResume || CanRelease;
        foreach (var worker in Workers)
        {
            builder.OpenElement(0, "tr");
            builder.AddAttribute(1, "data-testid", "worker-row");
            builder.AddAttribute(2, "data-worker", worker.Id);
            builder.AddContent(3, RowMarkup.WorkerHead(worker));
            builder.OpenElement(4, "td");
            builder.AddContent(5, Cells.Age(worker.HeartbeatAt, Now));
            builder.CloseElement();
            builder.OpenElement(6, "td");
            builder.AddContent(7, Cells.Age(worker.StartedAt, Now));
            builder.CloseElement();
            builder.AddContent(8, RowMarkup.WorkerJobs(worker));
            if (actions)
            {
                builder.OpenElement(9, "td");
                builder.AddAttribute(10, "class", "actions");
                if (worker.Registered && worker.Phase != WorkerPhase.Stopped)
                {
                    if (worker.DrainRequested && CanResume)
                    {
                        builder.OpenRegion(11);
                        Cells.Button(builder, this, "Resume", "resume-worker", Enabled, () => OnResume.InvokeAsync(worker));
                        builder.CloseRegion();
                    }
                    else if (!worker.DrainRequested && CanDrain)
                    {
                        builder.OpenRegion(12);
                        Cells.Button(builder, this, "Drain", "drain-worker", Enabled, () => OnDrain.InvokeAsync(worker));
                        builder.CloseRegion();
                    }
                }

                if (!worker.IsAlive && CanRelease && worker.InFlight > 0)
                {
                    builder.OpenRegion(13);
                    Cells.Button(builder, this, "Release its leases", "release-worker-leases", Enabled, () => OnReleaseLeases.InvokeAsync(worker), danger: true);
                    builder.CloseRegion();
                }

                builder.CloseElement();
            }

            builder.CloseElement();
        }
    }
}
