using System.Globalization;
using Dashboard.Core.Jobs;

namespace Dashboard.Web.Components.Pages;

/// <summary>The jobs list's filter form: text fields read with the same rules as the URL.</summary>
internal sealed class JobsFilterForm
{
    public string? State { get; set; }
    public string? Kind { get; set; }
    public string? Worker { get; set; }
    public string? Id { get; set; }
    public string? ErrorText { get; set; }
    public string? Payload { get; set; }
    public string? CreatedFrom { get; set; }
    public string? CreatedTo { get; set; }
    public string? FinishedFrom { get; set; }
    public string? FinishedTo { get; set; }
    public JobSort Sort { get; set; }

    public void From(JobFilter f)
    {
        (State, Kind, Worker, ErrorText, Payload, Sort) = (f.State, f.Kind, f.Worker, f.ErrorText, f.Payload, f.Sort);
        Id = f.Id?.ToString(CultureInfo.InvariantCulture);
        CreatedFrom = Time(f.CreatedFrom);
        CreatedTo = Time(f.CreatedTo);
        FinishedFrom = Time(f.FinishedFrom);
        FinishedTo = Time(f.FinishedTo);
    }

    /// <summary>Returns a problem to show, or null with the filter set (the same rules as the URL).</summary>
    public string? ToFilter(out JobFilter filter)
    {
        var query = JobsUrl.Of(new JobFilter
        {
            State = State,
            Kind = Kind,
            Worker = Worker,
            ErrorText = ErrorText,
            Payload = Payload,
            Sort = Sort,
        });
        var pairs = new Dictionary<string, string?>
        {
            ["id"] = Id,
            ["created_from"] = CreatedFrom,
            ["created_to"] = CreatedTo,
            ["finished_from"] = FinishedFrom,
            ["finished_to"] = FinishedTo,
        };
        var full = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(query, pairs.Where(p => !string.IsNullOrWhiteSpace(p.Value)));
        filter = JobsUrl.Parse(new Uri("http://x/" + full).Query, out var problems);
        if (problems.Count > 0)
        {
            return problems[0];
        }

        try
        {
            filter.Validate();
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }

        return null;
    }

    private static string? Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
