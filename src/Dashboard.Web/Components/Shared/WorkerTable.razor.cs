using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

// A row is one shared HTML string (RowMarkup); a row with buttons keeps its element and the buttons as frames. The
// table is drawn again only when what it shows changed: its ages move in the browser.
public sealed partial class WorkerTable
{
    private RenderFragment? _rows;
    private RenderFragment Rows => _rows ??= WriteRows;

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
            if (!drainOrResume && !release)
            {
                builder.AddContent(0, RowMarkup.WorkerRow(worker, Now, emptyActions: Actions));
                continue;
            }

            builder.OpenElement(1, "tr");
            builder.AddAttribute(2, "data-testid", "worker-row");
            builder.AddAttribute(3, "data-worker", worker.Id);
            builder.AddContent(4, RowMarkup.WorkerCells(worker, Now));
            builder.OpenRegion(5);
            Cells.Actions(builder, this, Enabled,
                !drainOrResume ? null
                    : worker.DrainRequested ? new RowAction("Resume", "resume-worker", () => OnResume.InvokeAsync(worker))
                    : new RowAction("Drain", "drain-worker", () => OnDrain.InvokeAsync(worker)),
                release ? new RowAction("Release its leases", "release-worker-leases", () => OnReleaseLeases.InvokeAsync(worker), Danger: true) : null);
            builder.CloseRegion();
            builder.CloseElement();
        }
    }
}
