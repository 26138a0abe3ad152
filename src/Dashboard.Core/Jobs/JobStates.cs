namespace Dashboard.Core.Jobs;

/// <summary>The states the product writes. Rows may hold others, written by hand; those are shown as they are.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Paused = "paused";
    public const string Done = "done";
    public const string Failed = "failed";

    /// <summary>An operator gave up on the job: terminal, never claimed or requeued by a worker.</summary>
    public const string Discarded = "discarded";

    /// <summary>The known states in the order the console shows them.</summary>
    public static IReadOnlyList<string> Known { get; } = [Queued, Processing, Paused, Done, Failed, Discarded];

    /// <summary>
    /// States counted from the finished-rows index (capped, estimated above the cap). Discarded rows are terminal but
    /// counted exactly with the live set: operators discard few jobs compared with the history.
    /// </summary>
    public static bool IsFinished(string state) => state is Done or Failed;

    /// <summary>No worker will change a job in this state again.</summary>
    public static bool IsTerminal(string state) => state is Done or Failed or Discarded;
}
