using Dashboard.Core.Claims;
using Microsoft.Extensions.Logging;

namespace Dashboard.Worker;

/// <summary>The worker's log messages, shared by its parts.</summary>
internal sealed partial class WorkerLog(ILogger logger, string workerId)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(LogLevel.Information, "Worker {WorkerId} started: kinds {Kinds}, concurrency {Concurrency}")]
    public partial void Started(string workerId, string kinds, int concurrency);

    [LoggerMessage(LogLevel.Warning, "Database error while {Activity}; retrying in {Delay}")]
    public partial void DatabaseError(Exception ex, string activity, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): the lease moved on (released or reclaimed); its handler was stopped and its result dropped")]
    public partial void LeaseLost(long jobId, string kind);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): {What} refused, the lease moved on (released or reclaimed); the job runs under its new lease")]
    public partial void Refused(string what, long jobId, string kind);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): outcome not recorded (database error); the lease will expire and the job run again")]
    public partial void OutcomeLost(Exception ex, long jobId, string kind);

    [LoggerMessage(LogLevel.Information, "Job {JobId} ({Kind}) attempt {Attempt}/{MaxAttempts} failed: {Error}; now {State}, due {RunAt:o}")]
    public partial void Failed(long jobId, string kind, int attempt, int maxAttempts, string error, string state, DateTime? runAt);

    [LoggerMessage(LogLevel.Information, "Job {JobId} ({Kind}) released: {Why}")]
    public partial void Released(long jobId, string kind, string why);

    [LoggerMessage(LogLevel.Information, "Stopping: no more claims; {Count} jobs in flight get up to {Budget} to finish")]
    public partial void Stopping(int count, TimeSpan budget);

    [LoggerMessage(LogLevel.Warning, "Shutdown budget spent with {Count} jobs in flight; cancelling and releasing them")]
    public partial void BudgetSpent(int count);

    [LoggerMessage(LogLevel.Information, "Worker {WorkerId} stopped after completing {Completed} jobs")]
    public partial void Stopped(string workerId, long completed);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}) reclaimed from {PreviousHolder}: lease expired; now {State}")]
    public partial void Reclaimed(long jobId, string kind, string? previousHolder, string state);

    public void Signals(WorkerSignals previous, WorkerSignals current)
    {
        if (current.DrainRequested && !previous.DrainRequested)
        {
            _logger.LogInformation("Drain requested for {WorkerId}: claiming nothing until resumed", workerId);
        }

        if (!current.Accepting && previous.Accepting)
        {
            _logger.LogInformation("Intake is paused: claiming nothing until resumed");
        }

        if (!current.ShouldDrain && previous.ShouldDrain)
        {
            _logger.LogInformation("Resumed: claiming again");
        }
    }
}
