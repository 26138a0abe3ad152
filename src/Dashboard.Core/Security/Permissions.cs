namespace Dashboard.Core.Security;

/// <summary>
/// Named permissions, one per action, checked on the server inside each action (not only by hiding buttons).
/// </summary>
public static class Permissions
{
    public const string ViewQueue = "queue.view";
    public const string PauseKind = "kinds.pause";
    public const string ResumeKind = "kinds.resume";
    public const string ReleaseLease = "leases.release";
    public const string DrainWorkers = "workers.drain";
    public const string ResumeWorkers = "workers.resume";
    public const string PauseIntake = "intake.pause";
    public const string ResumeIntake = "intake.resume";
    public const string ReadAudit = "audit.read";
    public const string ExportAudit = "audit.export";
    public const string VerifyAudit = "audit.verify";
    public const string EditAlerts = "alerts.edit";

    public const string RetryJobs = "jobs.retry";
    public const string DiscardJobs = "jobs.discard";
    public const string RunJobsNow = "jobs.run_now";

    /// <summary>See the values of redacted keys in job payloads and checkpoints (admins only).</summary>
    public const string ViewSecrets = "jobs.secrets";

    public static IReadOnlyList<string> All { get; } =
    [
        ViewQueue, PauseKind, ResumeKind, ReleaseLease, DrainWorkers, ResumeWorkers, PauseIntake, ResumeIntake,
        ReadAudit, ExportAudit, VerifyAudit, RetryJobs, DiscardJobs, RunJobsNow, ViewSecrets, EditAlerts,
    ];
}

/// <summary>The roles (docs/architecture.md, "Security and roles") and what each may do.</summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Auditor = "auditor";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Auditor, Admin];

    private static readonly Dictionary<string, IReadOnlySet<string>> _permissions = new(StringComparer.Ordinal)
    {
        [Viewer] = new HashSet<string>(StringComparer.Ordinal) { Permissions.ViewQueue },
        [Operator] = new HashSet<string>(StringComparer.Ordinal)
        {
            Permissions.ViewQueue, Permissions.PauseKind, Permissions.ResumeKind, Permissions.ReleaseLease,
            Permissions.DrainWorkers, Permissions.ResumeWorkers, Permissions.PauseIntake, Permissions.ResumeIntake,
            Permissions.RetryJobs, Permissions.DiscardJobs, Permissions.RunJobsNow,
        },
        [Auditor] = new HashSet<string>(StringComparer.Ordinal)
        {
            Permissions.ViewQueue, Permissions.ReadAudit, Permissions.ExportAudit, Permissions.VerifyAudit,
        },
        [Admin] = new HashSet<string>(Permissions.All, StringComparer.Ordinal),
    };

    public static bool IsKnown(string role) => _permissions.ContainsKey(role);

    /// <summary>The permissions of a role; none for an unknown role.</summary>
    public static IReadOnlySet<string> PermissionsOf(string role) =>
        _permissions.TryGetValue(role, out var set) ? set : new HashSet<string>();
}
