using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Core.Changes;

namespace Dashboard.Web;

/// <summary>How the console writes ages, times and counts.</summary>
public static partial class Formatting
{
    /// <summary>"12s", "4m 12s", "3h 05m", "2d 04h".</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m {age.Seconds:00}s"
            : age.TotalHours < 24 ? $"{(int)age.TotalHours}h {age.Minutes:00}m"
            : $"{(int)age.TotalDays}d {age.Hours:00}h";
    }

    /// <summary>
    /// A time in Unix milliseconds, for the browser to move on from (<c>data-clock</c>, <c>data-now</c> and
    /// <c>data-since</c>, read by <c>live.js</c>, which formats ages as <see cref="Age"/> does).
    /// </summary>
    public static string ClockData(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static string Absolute(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A time in a list of jobs, month to second (UTC): "12-01 08:30:05".</summary>
    public static string ListTime(DateTimeOffset at) => at.UtcDateTime.ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Count(StateCount count) => Number(count.Count);

    public static string Duration(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? $"{(int)span.TotalMinutes}m" : Age(span);

    /// <summary>
    /// A Core message as people read it: Core quotes names Markdown-style (`billing.invoice`), which a page would
    /// show literally, so quoted spans become “billing.invoice”. The result is still rendered as text.
    /// </summary>
    public static string PlainText(string message) => CodeSpan().Replace(message, "“$1”");

    [GeneratedRegex("`([^`\r\n]*)`")]
    private static partial Regex CodeSpan();
}
