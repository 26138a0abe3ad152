using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dashboard.Core.Jobs;

/// <summary>
/// Formats job JSON (payload, checkpoint) for display with the values of secret-looking keys masked. A key is secret
/// when, lowercased and without <c>_</c>, <c>-</c>, <c>.</c> and spaces, it contains an entry of the redaction list
/// treated the same way: with the default list, <c>password</c>, <c>db_password</c>, <c>apiKey</c> and
/// <c>X-Api-Key</c> are all masked. Masking errs on the side of hiding.
/// </summary>
public sealed class JsonRedactor
{
    /// <summary>What a masked value is shown as.</summary>
    public const string Mask = "••••••";

    /// <summary>The default redaction list (<c>Dashboard:RedactKeys</c>).</summary>
    public static IReadOnlyList<string> DefaultKeys { get; } = ["password", "secret", "token", "authorization", "api_key"];

    private static readonly JsonWriterOptions _writer = new()
    {
        Indented = true,
        // Shown as text by the page (never as markup), so keep non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly string[] _keys;

    public JsonRedactor(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys.Select(Normalize).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>True when values under <paramref name="key"/> are masked.</summary>
    public bool IsSecret(string key) => _keys.Length > 0 && Normalize(key) is var n && _keys.Any(k => n.Contains(k, StringComparison.Ordinal));

    /// <summary>
    /// Indented JSON with secret values replaced by <see cref="Mask"/> (unless <paramref name="reveal"/>), or null for
    /// null. Text that is not JSON is returned as it is when revealed and as a mask otherwise.
    /// </summary>
    public string? Format(string? json, bool reveal)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, _writer))
            {
                Write(writer, document.RootElement, reveal);
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return reveal ? json : Mask;
        }
    }

    /// <summary>True when the JSON mentions a secret key at any depth (used to refuse payload filters that would probe secrets).</summary>
    public bool MentionsSecret(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => IsSecret(p.Name) || MentionsSecret(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(MentionsSecret),
        _ => false,
    };

    private void Write(Utf8JsonWriter writer, JsonElement element, bool reveal)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    if (!reveal && IsSecret(property.Name))
                    {
                        writer.WriteStringValue(Mask);
                    }
                    else
                    {
                        Write(writer, property.Value, reveal);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, reveal);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static string Normalize(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (var ch in key)
        {
            if (ch is not ('_' or '-' or '.' or ' '))
            {
                builder.Append(char.ToLowerInvariant(ch));
            }
        }

        return builder.ToString();
    }
}
