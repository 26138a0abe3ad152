using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// A row is its element and two shared HTML strings (RowMarkup): the worker's id stays in place while the cells that
// move with its heartbeat change; buttons are frames. The table is drawn again only when what it shows changed: its
// ages move in the browser.
public sealed partial class WorkerTable
{
    private RenderFragment? _rows;
    private RenderFragment Rows => _rows ??= WriteRows;

    private readonly RowHandlers<WorkerStatus> _handlers = new();

    // Now is left out: the ages' markup does not change with the clock, and an age drawn earlier moves on in the browser.
    protected override object View => (Workers, CanDrain, CanResume, CanRelease, Enabled);

    private bool Actions => CanDrain || CanResume || CanRelease;

    private bool CanDrainOrResume(WorkerStatus worker) =>
        worker.Registered && worker.Phase != WorkerPhase.Stopped && (worker.DrainRequested ? CanResume : CanDrain);

    private bool CanReleaseLeases(WorkerStatus worker) => !worker.IsAlive && CanRelease && worker.InFlight > 0;

    private void WriteRows(RenderTreeBuilder builder)
    {
        foreach (var worker in Workers)
        {
            var drainOrResume = CanDrainOrResume(worker);
            var release = CanReleaseLeases(worker);
            builder.OpenElement(0, "tr");
            builder.AddAttribute(1, "data-testid", "worker-row");
            builder.AddAttribute(2, "data-worker", worker.Id);
            builder.AddContent(3, RowMarkup.WorkerHead(worker, Now));
            builder.AddContent(4, RowMarkup.WorkerCells(worker, Now));
            if (drainOrResume || release)
            {
                builder.OpenRegion(5);
                Cells.Actions(builder, this, Enabled,
                    !drainOrResume ? null
                        : worker.DrainRequested ? new RowAction("Resume", "resume-worker", _handlers.For(worker, "resume", w => OnResume.InvokeAsync(w)))
                        : new RowAction("Drain", "drain-worker", _handlers.For(worker, "drain", w => OnDrain.InvokeAsync(w))),
                    release ? new RowAction("Release its leases", "release-worker-leases", _handlers.For(worker, "release", w => OnReleaseLeases.InvokeAsync(w)), Danger: true) : null);
                builder.CloseRegion();
            }
            else if (Actions)
            {
                builder.AddContent(6, RowMarkup.NoActions);
            }

            builder.CloseElement();
        }
    }
}
