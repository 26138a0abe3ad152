using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Core.Security;

/// <summary>
/// Hashes for secrets kept in configuration: passwords as PBKDF2-SHA256 with a per-password salt
/// (<c>pbkdf2-sha256:iterations:salt:hash</c>, base64), API tokens as SHA-256 (<c>sha256:hex</c>; tokens are random
/// and long, so a slow hash adds nothing). Verification is constant-time.
/// </summary>
public static class SecretHash
{
    public const int DefaultIterations = 600_000;
    private const string PasswordScheme = "pbkdf2-sha256";
    private const string TokenScheme = "sha256";

    public static string HashPassword(string password, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Join(':', PasswordScheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>False for a wrong password or a malformed hash; never throws for either.</summary>
    public static bool VerifyPassword(string password, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(password);
        var parts = storedHash?.Split(':') ?? [];
        if (parts.Length != 4 || parts[0] != PasswordScheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool IsPasswordHash(string? value) =>
        value is not null && value.StartsWith(PasswordScheme + ":", StringComparison.Ordinal) && value.Split(':').Length == 4;

    /// <summary>A new random API token (URL-safe, 256 bits).</summary>
    public static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return $"{TokenScheme}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))}";
    }

    public static bool VerifyToken(string token, string storedHash)
    {
        if (string.IsNullOrEmpty(token) || storedHash is null)
        {
            return false;
        }

        var actual = Encoding.ASCII.GetBytes(HashToken(token));
        var expected = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static bool IsTokenHash(string? value) =>
        value is not null && value.StartsWith(TokenScheme + ":", StringComparison.Ordinal) && value.Length == TokenScheme.Length + 1 + 64;
}
