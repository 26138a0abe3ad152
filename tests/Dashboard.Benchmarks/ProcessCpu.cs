using System.Globalization;

namespace Dashboard.Benchmarks;

/// <summary>
/// CPU time (user plus system, in milliseconds) of processes on this machine, read from <c>/proc/&lt;pid&gt;/stat</c>:
/// one process, or every process whose command name starts with a prefix (Chromium's browser, renderer and helper
/// processes are all <c>chromium</c>), optionally only those at a given nice value. A process that exits between two readings takes its time with it, so a sum
/// over a window is a lower bound.
/// </summary>
internal static class ProcessCpu
{
    // Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common configuration.
    private const double MillisecondsPerTick = 10;

    public static double Of(int pid) => Read(pid) is { } stat ? Milliseconds(stat) : 0;

    public static double OfCommand(string prefix, int? nice = null)
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                Read(pid) is { } stat && stat.Command.StartsWith(prefix, StringComparison.Ordinal) &&
                (nice is null || stat.Fields[16] == nice.Value.ToString(CultureInfo.InvariantCulture)))
            {
                total += Milliseconds(stat);
            }
        }

        return total;
    }

    private static double Milliseconds((string Command, string[] Fields) stat) =>
        (long.Parse(stat.Fields[11], CultureInfo.InvariantCulture) + long.Parse(stat.Fields[12], CultureInfo.InvariantCulture)) * MillisecondsPerTick;

    // The command name, and the fields after it (which may contain spaces), numbered from 0 = the state.
    private static (string Command, string[] Fields)? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var open = text.IndexOf('(', StringComparison.Ordinal);
            var close = text.LastIndexOf(')');
            return (text[(open + 1)..close], text[(close + 2)..].Split(' '));
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
