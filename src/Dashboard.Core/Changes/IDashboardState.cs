namespace Dashboard.Core.Changes;

/// <summary>The in-process feed every viewer of this instance shares.</summary>
public interface IDashboardState
{
    FeedState Current { get; }

    /// <summary>When the database was last read successfully (database clock), even if nothing had changed.</summary>
    DateTimeOffset? LastReadAt { get; }

    /// <summary>Calls <paramref name="handler"/> with every new state until the returned handle is disposed.</summary>
    IDisposable Subscribe(Func<FeedState, Task> handler);
}
