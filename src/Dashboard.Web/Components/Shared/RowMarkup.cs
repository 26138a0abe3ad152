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
/// Table rows as HTML strings built once per row of the shared snapshot and shared by every viewer (keyed by the
/// immutable row record, which keeps its identity while it does not change: <c>DashboardSnapshot.Reusing</c>). A row
/// then costs each open tab a few render-tree frames pointing at the same strings instead of dozens of frames and
/// strings of its own (issue 18: memory per viewer). Lease and worker rows keep their element, and the cells that name
/// them (<see cref="LeaseHead"/>, <see cref="WorkerHead"/>) apart from those that move with every heartbeat, so a
/// holder's name stays in place (and selected) while its row changes; a kind's row without buttons is one string.
/// Ages are written with their start (<see cref="Age"/>), so a row's markup does not change with the clock. Same
/// elements and classes as the components they replace; every text is HTML-encoded.
/// </summary>
public static class RowMarkup
{
    private static readonly ConditionalWeakTable<KindStatus, Cell> _kindHeads = new();
    private static readonly ConditionalWeakTable<KindStatus, Cell> _kindTails = new();
    private static readonly ConditionalWeakTable<KindStatus, Highlighted> _kindHighlights = new();
    private static readonly ConditionalWeakTable<KindStatus, KindRows> _kindRows = new();
    private static readonly ConditionalWeakTable<ProcessingJob, LeaseParts> _leases = new();
    private static readonly ConditionalWeakTable<WorkerStatus, WorkerParts> _workers = new();
    private static readonly ConditionalWeakTable<IReadOnlyList<HistoryPoint>, TrendCell> _trends = new();
    private static readonly ConditionalWeakTable<JobSummary, Cell> _jobs = new();

    private sealed record Cell(MarkupString Markup);

    private sealed record Highlighted(KindStatus Previous, MarkupString Head);

    private sealed record KindRow(string Head, string Trend, bool EmptyActions, MarkupString Row);

    // The last few variants of a kind's row: tabs may show it with or without a highlight, and with the trends they
    // read last (each tab reads them on its own every few seconds), so more than one variant lives at a time.
    private sealed class KindRows
    {
        private readonly KindRow?[] _recent = new KindRow?[4];
        private int _next;

        public MarkupString Get(string head, string trend, bool emptyActions, Func<MarkupString> build)
        {
            lock (_recent)
            {
                foreach (var row in _recent)
                {
                    if (row is not null && ReferenceEquals(row.Head, head) && ReferenceEquals(row.Trend, trend) && row.EmptyActions == emptyActions)
                    {
                        return row.Row;
                    }
                }

                var built = new KindRow(head, trend, emptyActions, build());
                _recent[_next] = built;
                _next = (_next + 1) % _recent.Length;
                return built.Row;
            }
        }
    }

    private sealed record LeaseParts(MarkupString Head, MarkupString Cells, MarkupString Chip);

    private sealed record WorkerParts(MarkupString Head, MarkupString Cells);

    private sealed record TrendCell(DateTimeOffset To, MarkupString Markup);

    /// <summary>
    /// An age such as "4m 12s", with the absolute time on hover: <c>data-since</c> is its start in Unix milliseconds
    /// on the database's clock, and <c>live.js</c> writes the text from it and the nearest <c>data-now</c> (the
    /// database's time when that was drawn), moving it on once a second. The text written here is the age at
    /// <paramref name="now"/>, what shows before the script runs. <paramref name="ownClock"/> puts the
    /// <c>data-now</c> on the age itself, for an age outside a table that carries one.
    /// </summary>
    public static string Age(DateTimeOffset? since, DateTimeOffset now, bool ownClock = false)
    {
        var html = new StringBuilder("<span class=\"age\"");
        if (ownClock)
        {
            html.Append(" data-now=\"").Append(Formatting.ClockData(now)).Append('"');
        }

        if (since is not { } at)
        {
            return html.Append(">—</span>").ToString();
        }

        return html.Append(" title=\"").Append(Formatting.Absolute(at)).Append("\" data-since=\"").Append(Formatting.ClockData(at))
            .Append("\">").Append(Formatting.Age(now - at)).Append("</span>").ToString();
    }

    /// <summary>
    /// A kind's name, counts per state (each a link to the filtered job list) and stuck leases. A count that differs
    /// from <paramref name="previous"/> (the same kind in the snapshot before) is highlighted.
    /// </summary>
    public static MarkupString KindHead(KindStatus kind, KindStatus? previous)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (previous is null || ReferenceEquals(previous, kind) || JobStates.Known.All(s => previous.CountOf(s).Count == kind.CountOf(s).Count))
        {
            return _kindHeads.GetValue(kind, static k => new(BuildKindHead(k, null))).Markup;
        }

        if (_kindHighlights.TryGetValue(kind, out var highlighted) && ReferenceEquals(highlighted.Previous, previous))
        {
            return highlighted.Head;
        }

        highlighted = new Highlighted(previous, BuildKindHead(kind, previous));
        _kindHighlights.AddOrUpdate(kind, highlighted);
        return highlighted.Head;
    }

    /// <summary>A kind's oldest queued job (an <see cref="Age"/>), lease timeout and status chip (paused, by whom and why, or running).</summary>
    public static MarkupString KindTail(KindStatus kind, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Once(_kindTails, kind, now, static (k, at) => new Cell(BuildKindTail(k, at))).Markup;
    }

    /// <summary>
    /// A kind's whole row without buttons: its head (<see cref="KindHead"/>), its trend cell (<see cref="Trend"/>) and
    /// its tail. Every viewer that asks with the same head and trend gets the same string.
    /// </summary>
    public static MarkupString KindRowWithout(KindStatus kind, MarkupString head, MarkupString trend, DateTimeOffset now, bool emptyActions)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return _kindRows.GetValue(kind, static _ => new KindRows()).Get(head.Value, trend.Value, emptyActions, () => new(
            new StringBuilder("<tr data-testid=\"kind-row\" data-kind=\"").Append(E(kind.Kind)).Append("\">").Append(head.Value)
                .Append(trend.Value).Append(KindTail(kind, now).Value).Append(emptyActions ? EmptyActions : "").Append("</tr>").ToString()));
    }

    /// <summary>
    /// A kind's last hour (backlog and finished per minute) as two sparklines in a cell. The hour ends at the next
    /// whole minute, so the cell is drawn once a minute for every viewer, not once a second for each.
    /// </summary>
    public static MarkupString Trend(IReadOnlyList<HistoryPoint> points, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(points);
        var to = TrendEnd(now);
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

    /// <summary>Where a <see cref="Trend"/> drawn at <paramref name="now"/> ends: the next whole minute.</summary>
    public static DateTimeOffset TrendEnd(DateTimeOffset now) =>
        new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);

    /// <summary>A lease's cells that name it: job id, kind, holder. They stay in place while the rest of the row changes.</summary>
    public static MarkupString LeaseHead(ProcessingJob job, DateTimeOffset now) => Lease(job, now).Head;

    /// <summary>A lease's cells that move: held for, last heartbeat, attempts.</summary>
    public static MarkupString LeaseCells(ProcessingJob job, DateTimeOffset now) => Lease(job, now).Cells;

    /// <summary>The "stuck" chip of a stuck lease, with its kind's lease timeout on hover.</summary>
    public static MarkupString LeaseChip(ProcessingJob job, DateTimeOffset now) => Lease(job, now).Chip;

    /// <summary>A worker's id cell. It stays in place while the rest of the row changes.</summary>
    public static MarkupString WorkerHead(WorkerStatus worker, DateTimeOffset now) => Worker(worker, now).Head;

    /// <summary>A worker's cells that move: state chip, last heartbeat, up for, jobs.</summary>
    public static MarkupString WorkerCells(WorkerStatus worker, DateTimeOffset now) => Worker(worker, now).Cells;

    /// <summary>An empty actions cell, for a row without buttons in a table that has an actions column.</summary>
    public static MarkupString NoActions { get; } = new(EmptyActions);

    /// <summary>
    /// A row of the jobs list: id (a link to the job), kind, state, attempts, created, run at or finished, worker and
    /// last error, with the full text on hover. Built once per row the instance's shared read returned.
    /// </summary>
    public static MarkupString JobRow(JobSummary job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _jobs.GetValue(job, static j => new(new MarkupString(BuildJobRow(j)))).Markup;
    }

    private static string BuildJobRow(JobSummary job)
    {
        var id = job.Id.ToString(CultureInfo.InvariantCulture);
        var html = new StringBuilder("<tr data-testid=\"job-row\" data-id=\"").Append(id).Append("\"><td><a href=\"")
            .Append(E(JobsUrl.Job(job.Id))).Append("\" class=\"mono\" data-testid=\"job-link\">").Append(id).Append("</a></td>");
        Truncated(html, job.Kind);
        html.Append("<td>").Append(Chip(job.State, JobStateChip.ColorOf(job.State), testId: "job-state")).Append("</td>")
            .Append(CultureInfo.InvariantCulture, $"<td class=\"text-right\">{job.Attempts} / {job.MaxAttempts}</td>")
            .Append("<td title=\"").Append(Formatting.Absolute(job.CreatedAt)).Append("\">").Append(Formatting.ListTime(job.CreatedAt)).Append("</td><td>")
            .Append(job.FinishedAt is { } finished ? "finished " + Formatting.ListTime(finished) : "run at " + Formatting.ListTime(job.RunAt)).Append("</td>");
        Truncated(html, job.LeasedBy);
        Truncated(html, job.LastError);
        return html.Append("</tr>").ToString();
    }

    // A cell of monospaced text cut to its column, the whole text on hover.
    private static void Truncated(StringBuilder html, string? text)
    {
        html.Append("<td class=\"mono truncate\"");
        if (text is not null)
        {
            html.Append(" title=\"").Append(E(text)).Append('"');
        }

        html.Append('>').Append(text is null ? "" : E(text)).Append("</td>");
    }

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

    // A row's markup, built once for all tabs; its ages' text is written as of the first drawing's time.
    private static TValue Once<TKey, TValue>(ConditionalWeakTable<TKey, TValue> built, TKey row, DateTimeOffset now, Func<TKey, DateTimeOffset, TValue> build)
        where TKey : class
        where TValue : class =>
        built.TryGetValue(row, out var markup) ? markup : built.GetValue(row, r => build(r, now));

    private const string EmptyActions = "<td class=\"actions\"></td>";

    private static MarkupString BuildKindTail(KindStatus kind, DateTimeOffset now)
    {
        var chip = kind.Paused
            ? Chip("paused", Color.Warning, $"Paused by {kind.PausedBy} at {(kind.PausedAt is { } at ? Formatting.Absolute(at) : "?")}: {kind.PauseReason}")
            : Chip("running", Color.Default, outlined: true);
        return new($"<td>{Age(kind.OldestQueuedAt, now)}</td><td>{E(Formatting.Duration(kind.LeaseTimeout))}</td><td>{chip}</td>");
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

    private static LeaseParts Lease(ProcessingJob job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Once(_leases, job, now, BuildLease);
    }

    private static LeaseParts BuildLease(ProcessingJob job, DateTimeOffset now)
    {
        var holder = job.LeasedBy is null ? "<td class=\"mono clip\">—</td>" : $"<td class=\"mono clip\" title=\"{E(job.LeasedBy)}\">{E(job.LeasedBy)}</td>";
        var head = $"<td>{job.Id.ToString(CultureInfo.InvariantCulture)}</td><td class=\"mono clip\" title=\"{E(job.Kind)}\">{E(job.Kind)}</td>{holder}";
        var cells = $"<td>{Age(job.LeasedAt, now)}</td><td>{Age(job.HeartbeatAt, now)}</td><td class=\"text-right\">{job.Attempts.ToString(CultureInfo.InvariantCulture)}</td>";
        var chip = job.IsStuck ? Chip("stuck", Color.Error, $"No heartbeat within the lease timeout of {Formatting.Duration(job.LeaseTimeout)}") : "";
        return new(new(head), new(cells), new(chip));
    }

    private static WorkerParts Worker(WorkerStatus worker, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return Once(_workers, worker, now, BuildWorker);
    }

    private static WorkerParts BuildWorker(WorkerStatus worker, DateTimeOffset now)
    {
        var id = E(worker.Id);
        var concurrency = worker.Registered ? $" / {worker.Concurrency.ToString(CultureInfo.InvariantCulture)}" : "";
        var cells = $"<td>{Chip(WorkerLabel(worker), WorkerColor(worker))}</td><td>{Age(worker.HeartbeatAt, now)}</td><td>{Age(worker.StartedAt, now)}</td>"
            + $"<td class=\"text-right\" title=\"jobs it holds now, counted in the database / its concurrency\" data-testid=\"worker-jobs\"><a class=\"count-link\" href=\"{E(Links.LeasesOf(worker.Id))}\">{E(Formatting.Number(worker.InFlight))}</a>{concurrency}</td>";
        return new(new($"<td class=\"mono clip\" title=\"{id}\">{id}</td>"), new(cells));
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
