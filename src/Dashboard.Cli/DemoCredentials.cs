using System.Globalization;
using System.Text;
using Dashboard.Core.Security;

namespace Dashboard.Cli;

/// <summary>
/// The embedded demo's sign-in: one local user per role and one API token, created once. Two files, both mode 600:
/// <c>demo-credentials</c> (the secrets, <c>KEY=VALUE</c> lines a deploy script can source) and <c>demo-auth.env</c>
/// (only hashes, as the console's <c>Dashboard__Auth__*</c> settings).
/// </summary>
public static class DemoCredentials
{
    public const string SecretsFile = "demo-credentials";
    public const string SettingsFile = "demo-auth.env";
    public const string TokenName = "demo-deploy";

    public static async Task<bool> EnsureAsync(string dir)
    {
        var secretsPath = Path.Combine(dir, SecretsFile);
        var settingsPath = Path.Combine(dir, SettingsFile);
        if (File.Exists(secretsPath) && File.Exists(settingsPath))
        {
            return false;
        }

        Directory.CreateDirectory(dir);
        var secrets = new StringBuilder();
        var settings = new StringBuilder();
        var i = 0;
        foreach (var role in Roles.All)
        {
            var password = SecretHash.NewToken()[..20];
            var key = role.ToUpperInvariant();
            Add(secrets, settings, $"{key}_NAME", $"{key}_PASSWORD", $"LocalUsers__{i++}", role, role, ("Password", password, SecretHash.HashPassword(password)));
        }

        var token = SecretHash.NewToken();
        Add(secrets, settings, "API_TOKEN_NAME", "API_TOKEN", "ApiTokens__0", TokenName, Roles.Operator, ("Token", token, SecretHash.HashToken(token)));

        await WritePrivateAsync(secretsPath, secrets.ToString());
        await WritePrivateAsync(settingsPath, settings.ToString());
        return true;
    }

    // One credential: its name and secret in the secrets file, its name, role and the secret's hash as settings.
    private static void Add(
        StringBuilder secrets, StringBuilder settings, string nameKey, string secretKey, string section, string name, string role,
        (string Kind, string Secret, string Hash) secret)
    {
        secrets.AppendLine(CultureInfo.InvariantCulture, $"{nameKey}={name}");
        secrets.AppendLine(CultureInfo.InvariantCulture, $"{secretKey}={secret.Secret}");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__{section}__Name='{name}'");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__{section}__Role='{role}'");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__{section}__{secret.Kind}Hash='{secret.Hash}'");
    }

    internal static async Task WritePrivateAsync(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
