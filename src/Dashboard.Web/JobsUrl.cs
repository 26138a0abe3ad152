using System.Globalization;
using Dashboard.Core.Jobs;
using Microsoft.AspNetCore.WebUtilities;

namespace Dashboard.Web;

/// <summary>
/// The jobs list's URL format, so a filtered view can be linked and pasted: <c>/jobs?state=failed&amp;kind=email.send</c>.
/// Parameters: <c>state</c>, <c>kind</c>, <c>worker</c>, <c>q</c> (text in the last error), <c>id</c>, <c>payload</c>
/// (a JSON object), <c>created_from</c>, <c>created_to</c>, <c>finished_from</c>, <c>finished_to</c> (ISO 8601, UTC
/// when no offset is given) and <c>sort</c> (<c>newest</c>, the default, or <c>oldest</c>).
/// </summary>
public static class JobsUrl
{
    /// <summary>Relative to the page's base, so it works under a path base too.</summary>
    public const string Path = "jobs";

    /// <summary>The list URL for <paramref name="filter"/>; only set conditions appear.</summary>
    public static string Of(JobFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                query.Add(new(key, value));
            }
        }

        Add("state", filter.State);
        Add("kind", filter.Kind);
        Add("worker", filter.Worker);
        Add("q", filter.ErrorText);
        Add("id", filter.Id?.ToString(CultureInfo.InvariantCulture));
        Add("payload", filter.Payload);
        Add("created_from", Time(filter.CreatedFrom));
        Add("created_to", Time(filter.CreatedTo));
        Add("finished_from", Time(filter.FinishedFrom));
        Add("finished_to", Time(filter.FinishedTo));
        Add("sort", filter.Sort == JobSort.Oldest ? "oldest" : null);
        return QueryHelpers.AddQueryString(Path, query);
    }

    /// <summary>The job page's URL.</summary>
    public static string Job(long id) => $"{Path}/{id.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Reads a filter from a query string (with or without the leading <c>?</c>). Values that cannot be read are left
    /// out of the filter and named in <paramref name="problems"/>; blank values mean "not set".
    /// </summary>
    public static JobFilter Parse(string? queryString, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        var query = QueryHelpers.ParseQuery(queryString);
        string? Get(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        DateTimeOffset? When(string key)
        {
            if (Get(key) is not { } text)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            {
                return value.ToUniversalTime();
            }

            found.Add($"{key}: '{text}' is not a time; use e.g. 2026-11-22T08:00Z.");
            return null;
        }

        long? id = null;
        if (Get("id") is { } idText)
        {
            if (long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                id = parsed;
            }
            else
            {
                found.Add($"id: '{idText}' is not a job id.");
            }
        }

        var sort = JobSort.Newest;
        if (Get("sort") is { } sortText)
        {
            if (string.Equals(sortText, "oldest", StringComparison.OrdinalIgnoreCase))
            {
                sort = JobSort.Oldest;
            }
            else if (!string.Equals(sortText, "newest", StringComparison.OrdinalIgnoreCase))
            {
                found.Add($"sort: '{sortText}' is neither newest nor oldest.");
            }
        }

        var filter = new JobFilter
        {
            State = Get("state"),
            Kind = Get("kind"),
            Worker = Get("worker"),
            ErrorText = Get("q"),
            Id = id,
            Payload = Get("payload"),
            CreatedFrom = When("created_from"),
            CreatedTo = When("created_to"),
            FinishedFrom = When("finished_from"),
            FinishedTo = When("finished_to"),
            Sort = sort,
        };
        problems = found;
        return filter;
    }

    private static string? Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
