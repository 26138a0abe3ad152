namespace Dashboard.Benchmarks;

/// <summary>
/// A CPU control group with the smallest share (and the idle class where the kernel has it), for the benchmark's
/// low-priority browser: its processes get the CPU only what the console and the probed browser leave. Made when this machine lets the benchmark (root, a writable
/// <c>cpu</c> controller: cgroup v1's <c>cpu.shares</c> or v2's <c>cpu.weight</c>); null otherwise. Removed when
/// disposed, once its processes are gone.
/// </summary>
public sealed class ViewerCpuGroup : IDisposable
{
    private ViewerCpuGroup(string path, string share)
    {
        Path = path;
        Share = share;
    }

    public string Path { get; }

    /// <summary>The share it has, as written (e.g. "cpu.shares 2").</summary>
    public string Share { get; }

    public static ViewerCpuGroup? TryCreate()
    {
        var name = $"dashboard-bench-viewers-{Environment.ProcessId}";
        foreach (var (root, file, value) in new[] { ("/sys/fs/cgroup/cpu", "cpu.shares", "2"), ("/sys/fs/cgroup", "cpu.weight", "1") })
        {
            var path = System.IO.Path.Combine(root, name);
            try
            {
                if (!File.Exists(System.IO.Path.Combine(root, "cgroup.procs")))
                {
                    continue;
                }

                Directory.CreateDirectory(path);
                File.WriteAllText(System.IO.Path.Combine(path, file), value);
                var share = $"{file} {value}";

                // The kernel's idle class for the whole group where it has one (cpu.idle, Linux 5.15+): a console
                // thread that wakes takes the core from a viewer at once, instead of after the viewer's time slice.
                var idle = System.IO.Path.Combine(path, "cpu.idle");
                if (File.Exists(idle))
                {
                    File.WriteAllText(idle, "1");
                    share += ", cpu.idle 1";
                }

                return new ViewerCpuGroup(path, share);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TryRemove(path);
            }
        }

        return null;
    }

    public void Dispose() => TryRemove(Path);

    // A group can be removed once it holds no process; the browser is closed before this runs.
    private static void TryRemove(string path)
    {
        for (var attempt = 0; attempt < 20 && Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path);
            }
            catch (IOException)
            {
                Thread.Sleep(250);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}
