namespace Dashboard.Core.Singletons;

/// <summary>
/// Names this app instance for singleton work: host, process id and a random suffix, so two instances on one host
/// (or a restarted one with a recycled pid) are told apart. Shown as the holder of singleton locks.
/// </summary>
public sealed class InstanceIdentity
{
    public InstanceIdentity()
        : this($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}")
    {
    }

    public InstanceIdentity(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
    }

    public string Id { get; }
}
