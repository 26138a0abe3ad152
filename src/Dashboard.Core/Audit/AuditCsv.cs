using System.Globalization;
using System.Text;

namespace Dashboard.Core.Audit;

/// <summary>
/// Writes audit entries as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma, semicolon, tab, quote
/// or line break quoted, quotes doubled). A text cell that a spreadsheet would run as a formula (starting with
/// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, <c>;</c>, <c>|</c>, a tab or line break, or whitespace before one of
/// those) is prefixed with a single quote, so opening an export never executes anything an operator or a job wrote.
/// </summary>
public static class AuditCsv
{
    /// <summary>The header row's column names: the audit log's columns, in table order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "seq", "at", "actor", "auth_method", "source_address", "action", "target_kind", "target_job_id", "target_worker",
        "reason", "before", "after", "rows_affected", "outcome", "idempotency_key", "prev_hash", "hash",
    ];

    /// <summary>Writes the header and one row per entry as they arrive; returns the number of entries written.</summary>
    public static async Task<long> WriteAsync(IAsyncEnumerable<AuditEntry> entries, TextWriter writer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(writer);
        await writer.WriteAsync(Row(Columns).AsMemory(), ct);
        long count = 0;
        await foreach (var e in entries.WithCancellation(ct))
        {
            await writer.WriteAsync(Row(
            [
                Number(e.Seq), e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                e.Actor, e.AuthMethod, e.SourceAddress, e.Action, e.TargetKind, Number(e.TargetJobId), e.TargetWorker,
                e.Reason, e.Before, e.After, Number(e.RowsAffected), e.Outcome, e.IdempotencyKey, e.PrevHash, e.Hash,
            ]).AsMemory(), ct);
            count++;
        }

        await writer.FlushAsync(ct);
        return count;
    }

    private static readonly System.Buffers.SearchValues<char> _needsQuotes = System.Buffers.SearchValues.Create(",;\"\t\r\n");

    /// <summary>One cell: neutralised against formula execution, then quoted when needed.</summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (IsFormulaLike(value))
        {
            value = "'" + value;
        }

        // Quoted also with ';' or a tab: spreadsheets in some locales split on those.
        return value.AsSpan().IndexOfAny(_needsQuotes) >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    // A formula start, also behind leading whitespace (spreadsheets trim it); ';' and '|' start DDE-style payloads.
    private static bool IsFormulaLike(string value)
    {
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' or ';' or '|')
        {
            return true;
        }

        var start = value.AsSpan().TrimStart(" \t\r\n\u00a0\u3000");
        return start.Length < value.Length && start.Length > 0 && start[0] is '=' or '+' or '-' or '@' or ';' or '|' or '\uff1d';
    }

    private static string Row(IReadOnlyList<string?> cells)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(Cell(cells[i]));
        }

        return builder.Append("\r\n").ToString();
    }

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);
}
