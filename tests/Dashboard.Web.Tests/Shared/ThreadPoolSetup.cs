namespace Dashboard.Web.Tests.Shared;

/// <summary>
/// Component tests wait synchronously (bunit's WaitFor…) while the renderer needs a pool thread to run the check; on a
/// busy 2-core machine the pool's slow thread injection could starve it. Start the pool with enough threads.
/// </summary>
internal static class ThreadPoolSetup
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void RaiseMinThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
    }
}
