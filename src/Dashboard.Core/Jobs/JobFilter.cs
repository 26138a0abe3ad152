using System.Text.Json;

namespace Dashboard.Core.Jobs;

/// <summary>Order of the jobs list: by id, which is creation order.</summary>
public enum JobSort
{
    Newest,
    Oldest,
}

/// <summary>
/// Which jobs to list or act on. Every property is optional; they combine with AND. <see cref="State"/>,
/// <see cref="Kind"/> and <see cref="Worker"/> (<c>leased_by</c>) match exactly; <see cref="ErrorText"/> finds the
/// text anywhere in the last error, ignoring case, with <c>%</c> and <c>_</c> taken literally; <see cref="Payload"/>
/// is a JSON object the payload must contain (<c>payload @&gt; …</c>); the time ranges are inclusive at the start
/// and exclusive at the end. Values are always sent as parameters.
/// </summary>
public sealed record JobFilter
{
    /// <summary>Shortest error text searched (the trigram index needs three characters).</summary>
    public const int MinErrorTextLength = 3;

    /// <summary>Longest text value accepted in a filter.</summary>
    public const int MaxTextLength = 1000;

    public static JobFilter All { get; } = new();

    public string? State { get; init; }
    public string? Kind { get; init; }
    public string? Worker { get; init; }
    public string? ErrorText { get; init; }
    public long? Id { get; init; }
    public string? Payload { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    public DateTimeOffset? FinishedFrom { get; init; }
    public DateTimeOffset? FinishedTo { get; init; }
    public JobSort Sort { get; init; } = JobSort.Newest;

    /// <summary>True when no condition is set (the sort does not count).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this with { Sort = JobSort.Newest } == All;

    /// <summary>The filter in words, for audit entries and the bulk operations list: <c>state = failed, kind = email.send</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add($"{name} = {value}");
            }
        }

        Add("id", Id);
        Add("state", State);
        Add("kind", Kind);
        Add("worker", Worker);
        Add("error contains", ErrorText);
        Add("payload contains", Payload);
        Add("created from", CreatedFrom?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Add("created before", CreatedTo?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Add("finished from", FinishedFrom?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Add("finished before", FinishedTo?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "all jobs" : string.Join(", ", parts);
    }

    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The filter as stored with a bulk operation (snake_case JSON; unset conditions left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this with { }, _json);

    /// <summary>Reads a filter stored by <see cref="ToJson"/>.</summary>
    public static JobFilter FromJson(string json) => JsonSerializer.Deserialize<JobFilter>(json, _json) ?? All;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> with a message fit for the operator when a value cannot be searched:
    /// control characters, too long, error text shorter than <see cref="MinErrorTextLength"/>, a payload that is not a
    /// JSON object, a time range that ends before it starts.
    /// </summary>
    public void Validate()
    {
        Text(State, "state");
        Text(Kind, "kind");
        Text(Worker, "worker");
        Text(ErrorText, "error text");
        if (ErrorText is { } q && q.Length < MinErrorTextLength)
        {
            throw new ArgumentException($"Search the error text with at least {MinErrorTextLength} characters.");
        }

        if (Payload is not null)
        {
            PayloadDocument(Payload).Dispose();
        }

        if (CreatedFrom >= CreatedTo)
        {
            throw new ArgumentException("The created range ends before it starts.");
        }

        if (FinishedFrom >= FinishedTo)
        {
            throw new ArgumentException("The finished range ends before it starts.");
        }
    }

    /// <summary>Parses the payload filter; throws <see cref="ArgumentException"/> unless it is a JSON object.</summary>
    public static JsonDocument PayloadDocument(string payload)
    {
        if (payload.Length > MaxTextLength)
        {
            throw new ArgumentException($"The payload filter is longer than {MaxTextLength} characters.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The payload filter is not JSON: {ex.Message}", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ArgumentException("The payload filter must be a JSON object, e.g. {\"customer_id\": 42}.");
        }

        return document;
    }

    private static void Text(string? value, string name)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > MaxTextLength)
        {
            throw new ArgumentException($"The {name} filter is longer than {MaxTextLength} characters.");
        }

        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"The {name} filter contains control characters.");
        }
    }
}
