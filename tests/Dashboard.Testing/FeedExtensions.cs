using Dashboard.Core.Changes;

namespace Dashboard.Testing;

public static class FeedExtensions
{
    /// <summary>
    /// Completes with the first state of <paramref name="feed"/> (the current one or a published one) that matches
    /// <paramref name="predicate"/>; fails with the last state seen after <paramref name="timeout"/>. Subscribes before
    /// returning, so call it before the action whose effect it waits for.
    /// </summary>
    public static Task<FeedState> WaitForAsync(this IDashboardState feed, Func<FeedState, bool> predicate, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<FeedState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = feed.Subscribe(state =>
        {
            if (predicate(state))
            {
                seen.TrySetResult(state);
            }

            return Task.CompletedTask;
        });
        if (predicate(feed.Current))
        {
            seen.TrySetResult(feed.Current);
        }

        return WaitAsync();

        async Task<FeedState> WaitAsync()
        {
            using (subscription)
            {
                try
                {
                    return await seen.Task.WaitAsync(timeout);
                }
                catch (TimeoutException)
                {
                    var last = feed.Current;
                    throw new TimeoutException(
                        $"No matching state within {timeout.TotalSeconds:0.#} s; last: healthy={last.IsHealthy}, error={last.Error ?? "none"}, taken at {last.Snapshot?.TakenAt:O}.");
                }
            }
        }
    }
}
