using System.Globalization;

namespace Dashboard.Core.Readiness;

/// <summary>The grace period a deploy gives running jobs (Kubernetes' default: 30 s), written as "30s", "2m", "1h" or "45".</summary>
public static class GracePeriod
{
    /// <summary>Kubernetes' <c>terminationGracePeriodSeconds</c> default.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>The longest grace period accepted (a week): a larger one is a typo.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(7);

    /// <summary>Parses "30s", "1.5m", "2h", a bare number of seconds, or a .NET time span ("00:00:30").</summary>
    public static bool TryParse(string? text, out TimeSpan grace)
    {
        grace = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32)
        {
            return false;
        }

        text = text.Trim();
        TimeSpan? parsed = null;
        var unit = text[^1];
        if (char.IsAsciiLetter(unit))
        {
            if (double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                parsed = unit switch
                {
                    's' => Seconds(value),
                    'm' => Seconds(value * 60),
                    'h' => Seconds(value * 3600),
                    _ => null,
                };
            }
        }
        else if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            parsed = Seconds(seconds);
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            parsed = span;
        }

        if (parsed is not { } p || p < TimeSpan.Zero || p > Max)
        {
            return false;
        }

        grace = p;
        return true;
    }

    /// <summary>The grace period as the URL and the CLI write it ("30s", "2m", "1.5h").</summary>
    public static string Format(TimeSpan grace) =>
        grace.TotalSeconds < 60 || grace.TotalSeconds % 60 != 0
            ? $"{grace.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
            : grace.TotalSeconds % 3600 != 0
                ? $"{grace.TotalMinutes.ToString("0.###", CultureInfo.InvariantCulture)}m"
                : $"{grace.TotalHours.ToString("0.###", CultureInfo.InvariantCulture)}h";

    private static TimeSpan? Seconds(double value) =>
        double.IsFinite(value) && value >= 0 && value <= Max.TotalSeconds ? TimeSpan.FromSeconds(value) : null;
}
