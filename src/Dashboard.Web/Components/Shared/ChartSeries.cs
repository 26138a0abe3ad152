namespace Dashboard.Web.Components.Shared;

/// <summary>One line of a <see cref="TrendChart"/>: a name, a CSS colour and its points (null: no data there).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points);

public readonly record struct ChartPoint(DateTimeOffset At, double? Value);

/// <summary>A vertical marker on a chart: an operator's action at a moment.</summary>
public sealed record ChartMarker(DateTimeOffset At, string Label);

/// <summary>Maps chart values to SVG coordinates; kept apart from the markup so it is easy to check.</summary>
public static class ChartGeometry
{
    /// <summary>A "nice" upper bound for the axis: 1, 2 or 5 times a power of ten at or above <paramref name="max"/>.</summary>
    public static double NiceMax(double max)
    {
        if (max <= 0 || double.IsNaN(max))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * power >= max)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    /// <summary>Polyline segments (runs of known values), as SVG "x,y x,y" strings.</summary>
    public static IReadOnlyList<string> Segments(
        IReadOnlyList<ChartPoint> points, DateTimeOffset from, DateTimeOffset to, double max, double width, double height)
    {
        var span = Math.Max(1, (to - from).TotalSeconds);
        var segments = new List<string>();
        var current = new List<string>();
        foreach (var point in points)
        {
            if (point.Value is not { } value)
            {
                Flush();
                continue;
            }

            var x = Math.Clamp((point.At - from).TotalSeconds / span, 0, 1) * width;
            var y = height - (Math.Clamp(value / max, 0, 1) * height);
            current.Add(FormattableString.Invariant($"{x:0.#},{y:0.#}"));
        }

        Flush();
        return segments;

        void Flush()
        {
            if (current.Count == 1)
            {
                // A lone point still shows, as a short flat stroke.
                var xy = current[0].Split(',');
                current.Add(FormattableString.Invariant($"{double.Parse(xy[0], System.Globalization.CultureInfo.InvariantCulture) + 2:0.#},{xy[1]}"));
            }

            if (current.Count > 0)
            {
                segments.Add(string.Join(' ', current));
            }

            current.Clear();
        }
    }

    public static double X(DateTimeOffset at, DateTimeOffset from, DateTimeOffset to, double width) =>
        Math.Clamp((at - from).TotalSeconds / Math.Max(1, (to - from).TotalSeconds), 0, 1) * width;
}
