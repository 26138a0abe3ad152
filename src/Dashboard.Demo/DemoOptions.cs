namespace Dashboard.Demo;

/// <summary>The demo fleet's settings, from the <c>Demo</c> section (environment: <c>Demo__EnqueuePerSecond</c>).</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>New jobs per second this process adds (spread over the demo's kinds); 0 adds none.</summary>
    public double EnqueuePerSecond { get; set; } = 2;

    /// <summary>The share of attempts of the failing kinds that throw.</summary>
    public double FailureRate { get; set; } = 0.1;
}
