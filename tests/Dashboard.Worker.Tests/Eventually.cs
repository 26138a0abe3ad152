using System.Diagnostics;

namespace Dashboard.Worker.Tests;

/// <summary>Waits for a real condition with a deadline; the polling only paces the checks, it synchronises nothing.</summary>
public static class Eventually
{
    // Only catches hangs: on a busy 2-core machine starting a worker process and running its first jobs takes minutes.
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (!await condition())
        {
            if (deadline.Elapsed > limit)
            {
                Assert.Fail($"Timed out after {limit} waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
