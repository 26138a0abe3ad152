namespace Dashboard.Core.Audit;

/// <summary>
/// Which audit entries to read. Every property is optional and they combine with AND. <see cref="From"/> is inclusive
/// and <see cref="To"/> exclusive (database clock). <see cref="Actor"/>, <see cref="Action"/>, <see cref="Kind"/>,
/// <see cref="Worker"/> match exactly; <see cref="Outcome"/> matches the outcome code (<c>applied</c>,
/// <c>no_change</c>, <c>refused</c>, <c>denied</c>); <see cref="Text"/> finds the text anywhere in the reason,
/// ignoring case, with <c>%</c> and <c>_</c> taken literally. Values are always sent as parameters.
/// </summary>
public sealed record AuditFilter
{
    public static AuditFilter All { get; } = new();

    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Actor { get; init; }
    public string? Action { get; init; }
    public string? Kind { get; init; }
    public long? JobId { get; init; }
    public string? Worker { get; init; }
    public string? Outcome { get; init; }
    public string? Text { get; init; }
}

/// <summary>
/// One page of entries, newest first. Pass <see cref="NextBeforeSeq"/> as <c>beforeSeq</c> for the next (older) page;
/// it is null on the last page. Keyset paging: entries appended meanwhile never shift a page.
/// </summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextBeforeSeq);
