using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Dashboard.Benchmarks;

/// <summary>
/// The managed heap of another .NET process after a full, blocking collection, read the way <c>dotnet-gcdump</c>
/// reads it: an EventPipe session with the runtime's <c>GCHeapCollect</c> keyword makes the process run an induced
/// full GC, and its <c>GCHeapStats</c> event gives the size of every generation after it. Nothing in the console
/// has to expose anything for this.
/// </summary>
public static class GcHeap
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>Bytes in all generations (gen0–2, large and pinned object heaps) after an induced full collection.</summary>
    public static Task<long> AfterFullCollectionAsync(int processId, TimeSpan timeout) => ReadAsync(
        processId,
        new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword),
        (source, result) =>
        {
            var sawInduced = false;
            source.Clr.GCStart += e => sawInduced |= e.Reason == Microsoft.Diagnostics.Tracing.Parsers.Clr.GCReason.Induced && e.Depth == 2;
            source.Clr.GCHeapStats += e =>
            {
                if (sawInduced)
                {
                    result.TrySetResult(e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4);
                }
            };
        },
        timeout,
        "an induced full GC");

    /// <summary>
    /// The memory the collector has committed, in bytes (the runtime's <c>gc-committed</c> counter, read through an
    /// EventPipe session on its <c>System.Runtime</c> event counters): the live heap, plus its allocation budget,
    /// fragmentation and free regions not yet given back to the system.
    /// </summary>
    public static Task<long> CommittedAsync(int processId, TimeSpan timeout) => ReadAsync(
        processId,
        new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" }),
        (source, result) => source.Dynamic.All += e =>
        {
            if (e.EventName == "EventCounters" && e.PayloadValue(0) is IDictionary<string, object> outer &&
                outer.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> payload &&
                payload.TryGetValue("Name", out var name) && (string)name == "gc-committed" &&
                payload.TryGetValue("Mean", out var mean))
            {
                // The counter is in MB of 10^6 bytes.
                result.TrySetResult((long)(Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture) * 1_000_000));
            }
        },
        timeout,
        "the gc-committed counter");

    // One EventPipe session on the process, until the handlers set a result or the timeout passes.
    private static async Task<long> ReadAsync(int processId, EventPipeProvider provider, Action<EventPipeEventSource, TaskCompletionSource<long>> handle, TimeSpan timeout, string what)
    {
        var client = new DiagnosticsClient(processId);
        using var session = client.StartEventPipeSession([provider], requestRundown: false);
        var result = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new EventPipeEventSource(session.EventStream);
        handle(source, result);
        var processing = Task.Run(source.Process);
        var done = await Task.WhenAny(result.Task, Task.Delay(timeout));
        await session.StopAsync(CancellationToken.None);
        await processing;
        if (done != result.Task)
        {
            throw new TimeoutException($"No reading of {what} from process {processId} within {timeout}.");
        }

        return await result.Task;
    }
}
