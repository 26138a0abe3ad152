using System.Collections;
using System.Globalization;
using System.Text;
using Dapper;
using Npgsql;

namespace Dashboard.Core.Actions;

/// <summary>
/// One parameterised statement as an action executes it. The same object is executed (with its parameters sent
/// separately) and rendered for the confirmation dialog (<see cref="Render"/>, values inlined as quoted literals), so
/// what an operator reads is what runs and can be pasted into psql.
/// </summary>
public sealed class SqlStatement
{
    /// <summary>Stands for the acting user's name until the statement is bound to an actor.</summary>
    public static readonly object ActorName = new Hole("actor");

    /// <summary>Stands for the operator's (cleaned) reason until the statement is bound to it.</summary>
    public static readonly object Reason = new Hole("reason");

    private SqlStatement(string text, IReadOnlyDictionary<string, object?> parameters)
    {
        Text = text;
        Parameters = parameters;
    }

    /// <summary>The statement with <c>@Name</c> parameter markers, as sent to the server.</summary>
    public string Text { get; }

    /// <summary>The values of the markers, by name.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <summary>A statement with the public properties of <paramref name="parameters"/> (an anonymous object) as its values.</summary>
    public static SqlStatement Of(string text, object? parameters = null)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (parameters is not null)
        {
            foreach (var property in parameters.GetType().GetProperties())
            {
                values[property.Name] = property.GetValue(parameters);
            }
        }

        return new SqlStatement(text, values);
    }

    /// <summary>A statement with the given values by name (for statements whose conditions are assembled from a filter).</summary>
    public static SqlStatement OfValues(string text, IEnumerable<KeyValuePair<string, object?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new SqlStatement(text, values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The statement with <see cref="ActorName"/> and <see cref="Reason"/> replaced by their values.</summary>
    public SqlStatement Bind(string actorName, string reason) => new(
        Text,
        Parameters.ToDictionary(
            p => p.Key,
            p => ReferenceEquals(p.Value, ActorName) ? actorName : ReferenceEquals(p.Value, Reason) ? reason : p.Value,
            StringComparer.OrdinalIgnoreCase));

    /// <summary>The statement with every marker replaced by its value as a SQL literal, ending with a semicolon.</summary>
    /// <exception cref="InvalidOperationException">A marker has no value, or a value is still unbound.</exception>
    public string Render()
    {
        var sql = Text;
        var output = new StringBuilder(sql.Length + 64);
        for (var i = 0; i < sql.Length; i++)
        {
            var ch = sql[i];
            if (ch is '\'' or '"')
            {
                var end = sql.IndexOf(ch, i + 1);
                end = end < 0 ? sql.Length - 1 : end;
                output.Append(sql, i, end - i + 1);
                i = end;
            }
            else if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length - 1 : end;
                output.Append(sql, i, end - i + 1);
                i = end;
            }
            else if (ch == '@' && i + 1 < sql.Length && (char.IsLetter(sql[i + 1]) || sql[i + 1] == '_'))
            {
                var end = i + 1;
                while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
                {
                    end++;
                }

                var name = sql[(i + 1)..end];
                if (!Parameters.TryGetValue(name, out var value))
                {
                    throw new InvalidOperationException($"The statement has no value for @{name}.");
                }

                output.Append(Literal(value));
                i = end - 1;
            }
            else
            {
                output.Append(ch);
            }
        }

        return output.ToString().TrimEnd() + ";";
    }

    /// <summary>A value as a PostgreSQL literal of the type the driver would send it as.</summary>
    public static string Literal(object? value) => value switch
    {
        null => "NULL",
        Hole hole => throw new InvalidOperationException($"The {hole.Name} is not bound yet."),
        string s => Quote(s),
        bool b => b ? "true" : "false",
        int or long or short => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture) + "::float8",
        Guid g => $"'{g}'::uuid",
        DateTimeOffset d => Timestamp(d.UtcDateTime),
        DateTime d => d.Kind == DateTimeKind.Unspecified ? $"'{d:yyyy-MM-dd HH:mm:ss.ffffff}'::timestamp" : Timestamp(d.ToUniversalTime()),
        TimeSpan t => Interval(t),
        IEnumerable<long> ids => $"'{{{string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))}}}'::bigint[]",
        IEnumerable<string> texts => $"ARRAY[{string.Join(", ", texts.Select(Quote))}]::text[]",
        IEnumerable => throw new NotSupportedException($"No literal form for {value.GetType().Name}."),
        _ => throw new NotSupportedException($"No literal form for {value.GetType().Name}."),
    };

    internal CommandDefinition Command(NpgsqlTransaction tx, CancellationToken ct)
    {
        var parameters = new DynamicParameters();
        foreach (var (name, value) in Parameters)
        {
            if (value is Hole hole)
            {
                throw new InvalidOperationException($"The {hole.Name} is not bound yet.");
            }

            parameters.Add(name, value);
        }

        return new CommandDefinition(Text, parameters, tx, cancellationToken: ct);
    }

    // E'' form whenever a backslash appears, so the literal means the same whatever standard_conforming_strings is.
    private static string Quote(string s) => s.Contains('\\', StringComparison.Ordinal)
        ? "E'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'"
        : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Timestamp(DateTime utc) =>
        $"'{utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00'::timestamptz";

    // Days and time of day separately, as the driver sends a TimeSpan (no months).
    private static string Interval(TimeSpan t)
    {
        var sign = t < TimeSpan.Zero ? "-" : "";
        var abs = t.Duration();
        var micro = abs.Ticks % TimeSpan.TicksPerSecond / 10;
        return FormattableString.Invariant(
            $"'{sign}{abs.Days} days {sign}{abs.Hours:00}:{abs.Minutes:00}:{abs.Seconds:00}.{micro:000000}'::interval");
    }

    private sealed record Hole(string Name);
}
