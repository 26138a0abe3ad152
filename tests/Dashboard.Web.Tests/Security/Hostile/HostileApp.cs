using System.Collections.Concurrent;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Dashboard.Web.Tests.Security.Hostile;

/// <summary>The real console (least-privileged connection) with its log captured: hostile input must leave no error in it.</summary>
public sealed class HostileApp : DashboardApp
{
    public ConcurrentQueue<string> Errors { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(new CaptureProvider(Errors)));
    }

    /// <summary>Errors logged since the last call (and forgets them).</summary>
    public List<string> TakeErrors()
    {
        var taken = new List<string>();
        while (Errors.TryDequeue(out var e))
        {
            taken.Add(e);
        }

        return taken;
    }

    private sealed class CaptureProvider(ConcurrentQueue<string> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capture(categoryName, errors);

        public void Dispose()
        {
        }
    }

    private sealed class Capture(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Errors, and any exception that reached the host unhandled (logged as an error by Kestrel or the hosting layer).
            if (logLevel >= LogLevel.Error)
            {
                errors.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
            }
        }
    }
}
