namespace Dashboard.Core.Jobs;

/// <summary>The states the product writes. Rows may hold others, written by hand; those are shown as they are.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Paused = "paused";
    public const string Done = "done";
    public const string Failed = "failed";

    /// <summary>The known states in the order the console shows them.</summary>
    public static IReadOnlyList<string> Known { get; } = [Queued, Processing, Paused, Done, Failed];

    public static bool IsFinished(string state) => state is Done or Failed;
}
