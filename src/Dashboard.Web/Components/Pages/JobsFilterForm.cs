using System.Globalization;
using Dashboard.Core.Jobs;

namespace Dashboard.Web.Components.Pages;

/// <summary>The jobs list's filter form: text fields read with the same rules as the URL.</summary>
public sealed class JobsFilterForm
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

    /// <summary>Every value, compared by value: what the form's markup shows.</summary>
    public object View => (State, Kind, Worker, Id, ErrorText, Payload, CreatedFrom, (CreatedTo, FinishedFrom, FinishedTo, Sort));

    public void From(JobFilter f)
    {
        ArgumentNullException.ThrowIfNull(f);
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
            State = Blank(State),
            Kind = Blank(Kind),
            Worker = Blank(Worker),
            ErrorText = Blank(ErrorText),
            Payload = Blank(Payload),
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

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string? Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
