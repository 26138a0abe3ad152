using System.Text.RegularExpressions;

namespace Dashboard.Web.Tests;

/// <summary>Components render and call services; SQL lives in Core.</summary>
public sealed partial class LayeringTests
{
    [Fact]
    public void Components_HoldNoSql()
    {
        var root = FindRepositoryRoot();
        var offenders = Directory.EnumerateFiles(Path.Combine(root, "src", "Dashboard.Web"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => SqlSmell().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();

        Assert.Empty(offenders);
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Dashboard.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"using Dapper|NpgsqlConnection|NpgsqlCommand|""\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\s", RegexOptions.IgnoreCase)]
    private static partial Regex SqlSmell();
}
