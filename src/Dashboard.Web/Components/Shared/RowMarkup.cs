using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Dashboard.Core.Jobs;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// The cells of a table row that do not move with the clock, as one HTML string built once per row of the shared
/// snapshot and shared by every viewer (keyed by the immutable row record). A row then costs each open tab a few
/// render-tree frames pointing at the same string instead of a hundred frames of its own (issue 18: memory per viewer).
/// Ages and buttons stay frames of the table. Same elements and classes as the components they replace; every text is
/// HTML-encoded.
/// </summary>
public static class RowMarkup
{
    private static readonly ConditionalWeakTable<KindStatus, KindParts> _kinds = new();
    private static readonly ConditionalWeakTable<KindStatus, Highlighted> _kindHighlights = new();
    private static readonly ConditionalWeakTable<ProcessingJob, LeaseParts> _leases = new();
    private static readonly ConditionalWeakTable<WorkerStatus, WorkerParts> _workers = new();
    private static readonly ConditionalWeakTable<IReadOnlyList<HistoryPoint>, TrendCell> _trends = new();

    private sealed record KindParts(MarkupString Head, MarkupString Tail);

    private sealed record Highlighted(KindStatus Previous, MarkupString Head);

    private sealed record LeaseParts(MarkupString Head, MarkupString Attempts, MarkupString Chip);

    private sealed record WorkerParts(MarkupString Head, MarkupString Jobs);

    private sealed record TrendCell(DateTimeOffset To, MarkupString Markup);

    /// <summary>
    /// A kind's name, counts per state (each a link to the filtered job list) and stuck leases. A count that differs
    /// from <paramref name="previous"/> (the same kind in the snapshot before) is highlighted.
    /// </summary>
    public static MarkupString KindHead(KindStatus kind, KindStatus? previous)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (previous is null || ReferenceEquals(previous, kind) || JobStates.Known.All(s => previous.CountOf(s).Count == kind.CountOf(s).Count))
        {
            return _kinds.GetValue(kind, static k => BuildKind(k)).Head;
        }

        if (_kindHighlights.TryGetValue(kind, out var highlighted) && ReferenceEquals(highlighted.Previous, previous))
        {
            return highlighted.Head;
        }

        highlighted = new Highlighted(previous, BuildKindHead(kind, previous));
        _kindHighlights.AddOrUpdate(kind, highlighted);
        return highlighted.Head;
    }

    /// <summary>A kind's lease timeout and its status chip (paused, by whom and why, or running).</summary>
    public static MarkupString KindTail(KindStatus kind) => _kinds.GetValue(kind, static k => BuildKind(k)).Tail;

    /// <summary>
    /// A kind's last hour (backlog and finished per minute) as two sparklines in a cell. The hour ends at the next
    /// whole minute, so the cell is drawn once a minute for every viewer, not once a second for each.
    /// </summary>
    public static MarkupString Trend(IReadOnlyList<HistoryPoint> points, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(points);
        var to = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
        if (_trends.TryGetValue(points, out var cell) && cell.To == to)
        {
            return cell.Markup;
        }

        var html = new StringBuilder("<td><span class=\"kind-trend\">");
        Sparkline(html, [.. points.Select(p => new ChartPoint(p.Bucket, p.Backlog))], to, "#1565c0", "Backlog (queued + paused), last hour", "spark-backlog");
        Sparkline(html, [.. points.Select(p => new ChartPoint(p.Bucket, p.Completed + p.Failed))], to, "#2e7d32", "Finished per minute, last hour", "spark-throughput");
        cell = new TrendCell(to, new(html.Append("</span></td>").ToString()));
        _trends.AddOrUpdate(points, cell);
        return cell.Markup;
    }

    /// <summary>A lease's job id, kind and holder.</summary>
    public static MarkupString LeaseHead(ProcessingJob job) => _leases.GetValue(job, static j => BuildLease(j)).Head;

    /// <summary>A lease's attempts cell.</summary>
    public static MarkupString LeaseAttempts(ProcessingJob job) => _leases.GetValue(job, static j => BuildLease(j)).Attempts;

    /// <summary>The "stuck" chip of a stuck lease, with its kind's lease timeout on hover.</summary>
    public static MarkupString LeaseChip(ProcessingJob job) => _leases.GetValue(job, static j => BuildLease(j)).Chip;

    /// <summary>A worker's id and its state chip.</summary>
    public static MarkupString WorkerHead(WorkerStatus worker) => _workers.GetValue(worker, static w => BuildWorker(w)).Head;

    /// <summary>The jobs a worker holds (a link to its leases) and its concurrency.</summary>
    public static MarkupString WorkerJobs(WorkerStatus worker) => _workers.GetValue(worker, static w => BuildWorker(w)).Jobs;

    /// <summary>A small chip with MudBlazor's look (the classes <c>MudChip</c> renders), as HTML.</summary>
    public static string Chip(string text, Color color, string? title = null, bool outlined = false, string? testId = null)
    {
        var html = new StringBuilder("<div class=\"mud-chip ")
            .Append(outlined ? "mud-chip-outlined" : "mud-chip-filled")
            .Append(" mud-chip-size-small mud-chip-color-").Append(color.ToString().ToLowerInvariant()).Append('"');
        if (title is not null)
        {
            html.Append(" title=\"").Append(E(title)).Append('"');
        }

        if (testId is not null)
        {
            html.Append(" data-testid=\"").Append(E(testId)).Append('"');
        }

        return html.Append("><span class=\"mud-chip-content\">").Append(E(text)).Append("</span></div>").ToString();
    }

    /// <summary>
    /// A count as HTML: an estimate is marked, and a count that differs from <paramref name="previous"/> (the same figure
    /// in the snapshot before) is highlighted.
    /// </summary>
    public static string Count(StateCount count, StateCount? previous = null)
    {
        ArgumentNullException.ThrowIfNull(count);
        var changed = previous is not null && previous.Count != count.Count;
        return new StringBuilder("<span class=\"").Append(count.IsEstimate ? "count estimate" : "count").Append(changed ? " changed" : "").Append('"')
            .Append(count.IsEstimate ? " title=\"Estimate: above the exact-count cap\"" : "")
            .Append('>').Append(E(Formatting.Count(count))).Append("</span>").ToString();
    }

    private static KindParts BuildKind(KindStatus kind)
    {
        var chip = kind.Paused
            ? Chip("paused", Color.Warning, $"Paused by {kind.PausedBy} at {(kind.PausedAt is { } at ? Formatting.Absolute(at) : "?")}: {kind.PauseReason}")
            : Chip("running", Color.Default, outlined: true);
        return new(BuildKindHead(kind, null), new($"<td>{E(Formatting.Duration(kind.LeaseTimeout))}</td><td>{chip}</td>"));
    }

    private static MarkupString BuildKindHead(KindStatus kind, KindStatus? previous)
    {
        var name = E(kind.Kind);
        var html = new StringBuilder()
            .Append("<td class=\"mono clip\" title=\"").Append(name).Append("\"><a href=\"").Append(E(Links.Kind(kind.Kind)))
            .Append("\" data-testid=\"kind-link\">").Append(name).Append("</a></td>");
        foreach (var state in JobStates.Known)
        {
            html.Append("<td class=\"text-right\"><a class=\"count-link\" href=\"").Append(E(Links.Jobs(state, kind.Kind)))
                .Append("\">").Append(Count(kind.CountOf(state), previous?.CountOf(state))).Append("</a></td>");
        }

        html.Append("<td class=\"text-right\" data-testid=\"kind-stuck\">");
        html.Append(kind.Stuck > 0
            ? $"<a class=\"count-link stuck\" href=\"{E(Links.StuckLeases(kind.Kind))}\">{E(Formatting.Number(kind.Stuck))}</a>"
            : "<span class=\"count\">0</span>");
        return new(html.Append("</td>").ToString());
    }

    private static LeaseParts BuildLease(ProcessingJob job)
    {
        var holder = job.LeasedBy is null ? "<td class=\"mono clip\">—</td>" : $"<td class=\"mono clip\" title=\"{E(job.LeasedBy)}\">{E(job.LeasedBy)}</td>";
        return new(
            new($"<td>{job.Id.ToString(CultureInfo.InvariantCulture)}</td><td class=\"mono clip\" title=\"{E(job.Kind)}\">{E(job.Kind)}</td>{holder}"),
            new($"<td class=\"text-right\">{job.Attempts.ToString(CultureInfo.InvariantCulture)}</td>"),
            new(job.IsStuck ? Chip("stuck", Color.Error, $"No heartbeat within the lease timeout of {Formatting.Duration(job.LeaseTimeout)}") : ""));
    }

    private static WorkerParts BuildWorker(WorkerStatus worker)
    {
        var id = E(worker.Id);
        var concurrency = worker.Registered ? $" / {worker.Concurrency.ToString(CultureInfo.InvariantCulture)}" : "";
        return new(
            new($"<td class=\"mono clip\" title=\"{id}\">{id}</td><td>{Chip(WorkerLabel(worker), WorkerColor(worker))}</td>"),
            new($"<td class=\"text-right\" title=\"jobs it holds now, counted in the database / its concurrency\" data-testid=\"worker-jobs\"><a class=\"count-link\" href=\"{E(Links.LeasesOf(worker.Id))}\">{E(Formatting.Number(worker.InFlight))}</a>{concurrency}</td>"));
    }

    private static string WorkerLabel(WorkerStatus w) => WorkerPhases.Label(w.Phase) + (w.Registered ? "" : ", never registered");

    private static Color WorkerColor(WorkerStatus w) => w.Phase switch
    {
        WorkerPhase.Stopped => Color.Default,
        WorkerPhase.Gone => Color.Error,
        WorkerPhase.Running => Color.Success,
        WorkerPhase.Drained => Color.Info,
        _ => Color.Warning,
    };

    // A tiny SVG trend (no axes) over the hour before `to`; the title says what it shows.
    private static void Sparkline(StringBuilder html, IReadOnlyList<ChartPoint> values, DateTimeOffset to, string color, string title, string testId)
    {
        const int W = 72, H = 20;
        var max = ChartGeometry.NiceMax(values.Select(p => p.Value ?? 0).DefaultIfEmpty(0).Max());
        html.Append(CultureInfo.InvariantCulture, $"<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" class=\"sparkline\" role=\"img\" data-testid=\"{testId}\"");
        if (values.LastOrDefault(p => p.Value is not null).Value is { } last)
        {
            html.Append(" data-last=\"").Append(last.ToString("0.##", CultureInfo.InvariantCulture)).Append('"');
        }

        html.Append("><title>").Append(E(title)).Append("</title>");
        foreach (var segment in ChartGeometry.Segments(values, to.AddHours(-1), to, max, W, H - 2))
        {
            html.Append("<polyline points=\"").Append(segment).Append("\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"1.2\"></polyline>");
        }

        html.Append("</svg>");
    }

    private static string E(string text) => HtmlEncoder.Default.Encode(text);
}
