using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Cli;

/// <summary>
/// <c>dashboard-cli drain</c> and <c>resume</c>: the deploy-drain procedure against the console's deploy gate.
/// Every path that does not end in a clean drain resumes intake before exiting, including Ctrl-C and SIGTERM.
/// </summary>
public sealed class DrainCommand(HttpClient http, TextWriter stdout, TextWriter stderr)
{
    /// <summary>Drained: nothing runs and intake stays paused for the deploy.</summary>
    public const int Drained = 0;

    /// <summary>A job has run longer than --abort-if-older-than: the deploy is aborted, intake resumed.</summary>
    public const int AbortedStuckJob = 3;

    /// <summary>Jobs still ran when --max-drain ran out: the deploy is aborted, intake resumed.</summary>
    public const int AbortedDrainCap = 4;

    /// <summary>The console or its database did not answer: intake resumed if it could be.</summary>
    public const int Unreachable = 5;

    /// <summary>
    /// With --grace: a restart with that grace period would still cut jobs that are neither idempotent nor
    /// checkpointing (unsafe) when --max-drain ran out, and --go-ahead was not given: refused, intake resumed.
    /// </summary>
    public const int RefusedUnsafe = 6;

    /// <summary>Interrupted (SIGINT/SIGTERM): intake resumed.</summary>
    public const int Interrupted = 130;

    public sealed record Status(
        [property: JsonPropertyName("accepting")] bool Accepting,
        [property: JsonPropertyName("running")] long Running,
        [property: JsonPropertyName("queued")] long Queued,
        [property: JsonPropertyName("oldest_running_minutes")] int OldestRunningMinutes,
        [property: JsonPropertyName("verdicts")] Dictionary<string, long>? Verdicts = null,
        [property: JsonPropertyName("jobs")] List<DrainReadiness.Job>? Jobs = null);

    public static HttpClient CreateClient(Uri console, string token)
    {
        var client = new HttpClient { BaseAddress = console, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<int> DrainAsync(TimeSpan maxDrain, TimeSpan abortIfOlderThan, TimeSpan poll, string reason, CancellationToken ct) =>
        DrainAsync(maxDrain, abortIfOlderThan, poll, reason, new DrainReadiness(null, GoAhead: false), ct);

    /// <summary>
    /// Pauses intake and waits (polling every <paramref name="poll"/>, up to <paramref name="maxDrain"/>) until nothing
    /// runs, or, with a grace period in <paramref name="readiness"/>, until a restart with it would cut no unsafe job.
    /// </summary>
    public async Task<int> DrainAsync(
        TimeSpan maxDrain, TimeSpan abortIfOlderThan, TimeSpan poll, string reason, DrainReadiness readiness, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(readiness);
        try
        {
            await PostAsync("/health/jobs/pause", reason, ct);
            await stdout.WriteLineAsync("Intake paused; waiting for running jobs to finish.");
            var deadline = DateTimeOffset.UtcNow + maxDrain;
            while (true)
            {
                var status = await GetStatusAsync(readiness.Query, ct);
                await stdout.WriteLineAsync($"running={status.Running} queued={status.Queued} oldest_running_minutes={status.OldestRunningMinutes}"
                    + readiness.Describe(status));
                if (status.OldestRunningMinutes > abortIfOlderThan.TotalMinutes)
                {
                    await stderr.WriteLineAsync($"Aborting deploy: a job has run for {status.OldestRunningMinutes}m, more than {Minutes(abortIfOlderThan)}.");
                    return await ResumeAfterAsync(AbortedStuckJob);
                }

                if (status.Running == 0)
                {
                    await stdout.WriteLineAsync("Drained: no job is running. Intake stays paused; resume after the deploy.");
                    return Drained;
                }

                if (readiness.Grace is not null && readiness.Unsafe(status) == 0)
                {
                    await stdout.WriteLineAsync(readiness.Ready(status));
                    return Drained;
                }

                if (readiness.Grace is not null && readiness.GoAhead)
                {
                    await stderr.WriteLineAsync(readiness.Unsafely(status));
                    return Drained;
                }

                if (DateTimeOffset.UtcNow >= deadline && readiness.Grace is not null)
                {
                    await stderr.WriteLineAsync(readiness.Refusal(status, maxDrain));
                    return await ResumeAfterAsync(RefusedUnsafe);
                }

                if (DateTimeOffset.UtcNow >= deadline)
                {
                    await stderr.WriteLineAsync($"Aborting deploy: {status.Running} job(s) still running after {Minutes(maxDrain)}.");
                    return await ResumeAfterAsync(AbortedDrainCap);
                }

                await Task.Delay(Min(poll, deadline - DateTimeOffset.UtcNow), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("Interrupted.");
            // Even when interrupted during the pause request: it may have been applied.
            return await ResumeAfterAsync(Interrupted);
        }
        catch (GateException ex)
        {
            await stderr.WriteLineAsync(ex.Message);
            return await ResumeAfterAsync(Unreachable);
        }
    }

    /// <summary>Resumes intake; safe to run any number of times, e.g. by hand after a failed deploy.</summary>
    public async Task<int> ResumeAsync(string reason, CancellationToken ct)
    {
        try
        {
            await PostAsync("/health/jobs/resume", reason, ct);
            await stdout.WriteLineAsync("Intake resumed.");
            return Drained;
        }
        catch (GateException ex)
        {
            await stderr.WriteLineAsync(ex.Message);
            return Unreachable;
        }
    }

    private async Task<int> ResumeAfterAsync(int code)
    {
        // Not cancellable: after Ctrl-C the resume is exactly what must still happen.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var resumed = await ResumeAsync("deploy aborted: resume intake", timeout.Token);
        if (resumed != Drained)
        {
            await stderr.WriteLineAsync("Could not resume intake: run 'dashboard-cli resume' once the console answers.");
        }

        return code;
    }

    private async Task<Status> GetStatusAsync(string query, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.GetAsync("/health/jobs" + query, ct));
        return await response.Content.ReadFromJsonAsync<Status>(ct) ?? throw new GateException("The console answered with an empty status.");
    }

    private async Task PostAsync(string path, string reason, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync(path, new { reason, idempotency_key = $"cli:{Guid.NewGuid():N}" }, ct));
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        HttpResponseMessage response;
        try
        {
            response = await send();
        }
        catch (HttpRequestException ex)
        {
            throw new GateException($"The console did not answer: {ex.Message}");
        }

        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new GateException($"The console answered {(int)response.StatusCode}: {body}");
        }

        return response;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : (b < TimeSpan.Zero ? TimeSpan.Zero : b);

    private static string Minutes(TimeSpan span) => $"{span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)}m";

    /// <summary>Parses "90s", "10m", "1h" or a .NET time span ("00:10:00").</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var unit = text[^1];
        if (char.IsLetter(unit) && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return unit switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                _ => null,
            };
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }

    private sealed class GateException(string message) : Exception(message);
}
