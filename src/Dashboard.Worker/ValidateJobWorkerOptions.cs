using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>Checks the worker's settings at startup and reports every problem in one message.</summary>
public sealed class ValidateJobWorkerOptions : IValidateOptions<JobWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, JobWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("ConnectionStrings:Jobs is not set (environment variable ConnectionStrings__Jobs).");
        }

        if (options.Handlers.Count == 0)
        {
            errors.Add("The worker has no handlers: register at least one with Handle(kind, handler).");
        }

        if (options.Concurrency < 1)
        {
            errors.Add($"Worker:Concurrency must be at least 1 (was {options.Concurrency}).");
        }

        foreach (var handler in options.Handlers.Values.Where(h => h.Options.MaxConcurrency < 1 || h.Options.Timeout <= TimeSpan.Zero))
        {
            errors.Add($"The handler of '{handler.Kind}' needs MaxConcurrency of at least 1 and a positive Timeout when set.");
        }

        if (options.WorkerId is { Length: 0 })
        {
            errors.Add("Worker:WorkerId must not be empty (leave it unset for host:pid).");
        }

        Positive(errors, "Worker:PollInterval", options.PollInterval);
        Positive(errors, "Worker:HeartbeatInterval", options.HeartbeatInterval);
        Positive(errors, "Worker:ReclaimInterval", options.ReclaimInterval);
        Positive(errors, "Worker:RetryBaseDelay", options.RetryBaseDelay);
        if (options.MaxPollInterval < options.PollInterval)
        {
            errors.Add($"Worker:MaxPollInterval must not be shorter than Worker:PollInterval (was {options.MaxPollInterval}).");
        }

        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            errors.Add($"Worker:RetryMaxDelay must not be shorter than Worker:RetryBaseDelay (was {options.RetryMaxDelay}).");
        }

        if (options.ShutdownBudget < TimeSpan.Zero)
        {
            errors.Add($"Worker:ShutdownBudget must not be negative (was {options.ShutdownBudget}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive time span such as \"00:00:10\" (was {value}).");
        }
    }
}
