namespace Dashboard.Demo;

/// <summary>The demo fleet's settings, from the <c>Demo</c> section (environment: <c>Demo__EnqueuePerSecond</c>).</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>New jobs per second this process adds (spread over the demo's kinds); 0 adds none.</summary>
    public double EnqueuePerSecond { get; set; } = 2;

    /// <summary>The share of attempts of the failing kinds that throw.</summary>
    public double FailureRate { get; set; } = 0.1;

    /// <summary>The hanging kind's declared maximum run time: past it the worker cancels the hung handler and fails the attempt.</summary>
    public TimeSpan HangMaxRunTime { get; set; } = TimeSpan.FromMinutes(2);
}
