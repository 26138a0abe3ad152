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
            secrets.AppendLine(CultureInfo.InvariantCulture, $"{key}_NAME={role}");
            secrets.AppendLine(CultureInfo.InvariantCulture, $"{key}_PASSWORD={password}");
            settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__LocalUsers__{i}__Name='{role}'");
            settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__LocalUsers__{i}__Role='{role}'");
            settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__LocalUsers__{i}__PasswordHash='{SecretHash.HashPassword(password)}'");
            i++;
        }

        var token = SecretHash.NewToken();
        secrets.AppendLine(CultureInfo.InvariantCulture, $"API_TOKEN_NAME={TokenName}");
        secrets.AppendLine(CultureInfo.InvariantCulture, $"API_TOKEN={token}");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__ApiTokens__0__Name='{TokenName}'");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__ApiTokens__0__Role='{Roles.Operator}'");
        settings.AppendLine(CultureInfo.InvariantCulture, $"Dashboard__Auth__ApiTokens__0__TokenHash='{SecretHash.HashToken(token)}'");

        await WritePrivateAsync(secretsPath, secrets.ToString());
        await WritePrivateAsync(settingsPath, settings.ToString());
        return true;
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
