using System.Globalization;
using Dashboard.Core.Actions;

namespace Dashboard.Core.Audit;

/// <summary>
/// The one reading of an audit filter as typed (the page's form) or sent (the CSV export's query string). Keys:
/// <c>from</c>, <c>to</c> (times, UTC unless an offset is given), <c>actor</c>, <c>action</c>, <c>kind</c>,
/// <c>job</c> (a number), <c>worker</c>, <c>outcome</c> (an outcome code) and <c>text</c>. Blank values are ignored;
/// anything else that cannot be used is a problem, never silently dropped: the page shows it, the export answers 400.
/// </summary>
public static class AuditFilterParser
{
    /// <summary>The keys, in the order the page shows them.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["from", "to", "actor", "action", "kind", "job", "worker", "outcome", "text"];

    /// <summary>Longest value accepted for a text filter.</summary>
    public const int MaxLength = 1000;

    private static readonly string[] _outcomes = [ActionOutcomeCodes.Applied, ActionOutcomeCodes.NoChange, ActionOutcomeCodes.Refused, ActionOutcomeCodes.Denied];

    /// <summary>
    /// Reads <paramref name="values"/> (key → value; unknown keys are ignored) into a filter. Returns null with the
    /// filter set, or a sentence saying which value is wrong and why.
    /// </summary>
    public static string? TryParse(Func<string, string?> values, out AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(values);
        filter = AuditFilter.All;
        var clean = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var value = values(key);
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            // PostgreSQL text cannot hold NUL (the query would fail); other control characters are refused alike.
            if (value.Any(char.IsControl))
            {
                return $"The {key} filter contains a control character (U+{(int)value.First(char.IsControl):X4}); remove it.";
            }

            if (value.Length > MaxLength)
            {
                return $"The {key} filter is {value.Length} characters long; at most {MaxLength} are allowed.";
            }

            clean[key] = value.Trim();
        }

        DateTimeOffset? from = null, to = null;
        long? job = null;
        if (clean.TryGetValue("from", out var f))
        {
            if (!TryTime(f, out var t))
            {
                return $"'{f}' is not a time; use e.g. 2026-11-22 08:00 (UTC).";
            }

            from = t;
        }

        if (clean.TryGetValue("to", out var u))
        {
            if (!TryTime(u, out var t))
            {
                return $"'{u}' is not a time; use e.g. 2026-11-22 09:00 (UTC).";
            }

            to = t;
        }

        if (clean.TryGetValue("job", out var j))
        {
            if (!long.TryParse(j, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return $"The job id '{j}' is not a number.";
            }

            job = id;
        }

        if (clean.TryGetValue("outcome", out var outcome) && !_outcomes.Contains(outcome, StringComparer.Ordinal))
        {
            return $"'{outcome}' is not an outcome; use one of {string.Join(", ", _outcomes)}.";
        }

        filter = new AuditFilter
        {
            From = from,
            To = to,
            Actor = clean.GetValueOrDefault("actor"),
            Action = clean.GetValueOrDefault("action"),
            Kind = clean.GetValueOrDefault("kind"),
            JobId = job,
            Worker = clean.GetValueOrDefault("worker"),
            Outcome = outcome,
            Text = clean.GetValueOrDefault("text"),
        };
        return null;
    }

    /// <summary>The key → value form of <paramref name="filter"/> that <see cref="TryParse"/> reads back to an equal filter.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Format(AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var values = new (string Key, string? Value)[]
        {
            ("from", filter.From?.ToString("o", CultureInfo.InvariantCulture)),
            ("to", filter.To?.ToString("o", CultureInfo.InvariantCulture)),
            ("actor", filter.Actor),
            ("action", filter.Action),
            ("kind", filter.Kind),
            ("job", filter.JobId?.ToString(CultureInfo.InvariantCulture)),
            ("worker", filter.Worker),
            ("outcome", filter.Outcome),
            ("text", filter.Text),
        };
        return [.. values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => KeyValuePair.Create(v.Key, v.Value!))];
    }

    private static bool TryTime(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
}
