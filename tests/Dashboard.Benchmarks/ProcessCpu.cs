using System.Globalization;

namespace Dashboard.Benchmarks;

/// <summary>
/// CPU time (user plus system, in milliseconds) of processes on this machine, read from <c>/proc/&lt;pid&gt;/stat</c>:
/// one process, or every process whose command name starts with a prefix (Chromium's browser, renderer and helper
/// processes are all <c>chromium</c>), optionally only those at a given nice value. A process that exits between two
/// readings takes its time with it, so a sum over a window is a lower bound.
/// </summary>
internal static class ProcessCpu
{
    public static double Of(int pid) => Read(pid)?.OwnMilliseconds ?? 0;

    public static double OfCommand(string prefix, int? nice = null)
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                Read(pid) is { } stat && stat.Command.StartsWith(prefix, StringComparison.Ordinal) &&
                (nice is null || stat.Field(ProcessStat.Nice) == nice))
            {
                total += stat.OwnMilliseconds;
            }
        }

        return total;
    }

    /// <summary>The process's <c>/proc/&lt;pid&gt;/stat</c>, or null when it is gone or cannot be read.</summary>
    public static ProcessStat? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var open = text.IndexOf('(', StringComparison.Ordinal);
            var close = text.LastIndexOf(')');
            return new ProcessStat(text[(open + 1)..close], text[(close + 2)..].Split(' '));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// One reading of <c>/proc/&lt;pid&gt;/stat</c>: the command name (which may contain spaces), and the fields after it.
/// </summary>
internal sealed record ProcessStat(string Command, string[] After)
{
    public const int ParentPid = 4;
    public const int Nice = 19;

    // Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common configuration.
    private const double MillisecondsPerTick = 10;

    /// <summary>The process's own user and system time.</summary>
    public double OwnMilliseconds => (Field(14) + Field(15)) * MillisecondsPerTick;

    /// <summary>User and system time of its children that exited and were waited for.</summary>
    public double ChildrenMilliseconds => (Field(16) + Field(17)) * MillisecondsPerTick;

    /// <summary>A numeric field, numbered as in proc(5): 1 is the pid, 2 the command, 3 the state, 4 the parent.</summary>
    public long Field(int number) => long.Parse(After[number - 3], CultureInfo.InvariantCulture);
}
