using System.Net.Http.Json;
using Dashboard.Core.Changes;
using Dashboard.Core.Singletons;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Alerts;

/// <summary>
/// Evaluates the alert rules and delivers firings and resolutions to the webhook, on one instance at a time. An
/// alert fires once per (rule, subject) until it resolves (a unique index on open events); each firing and resolution
/// is POSTed until the receiver answers 2xx, with growing pauses between attempts, and marked delivered once.
/// </summary>
public sealed class AlertService(
    AlertStore store,
    IDashboardState state,
    SingletonLocks locks,
    IOptions<DashboardOptions> options,
    ILogger<AlertService> logger) : SingletonService(locks, options, logger), IDisposable
{
    public const string Name = "alerts";

    private readonly HttpClient _http = new();

    public override string WorkName => Name;

    protected override async Task RunAsLeaderAsync(CancellationToken ct)
    {
        await store.SeedAsync(Settings.Alerts.Rules, ct);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await TickAsync(ct);
            }
            catch (Exception ex) when (Dashboard.Core.Database.DatabaseErrors.IsUnavailable(ex))
            {
                Logger.LogDebug(ex, "Alert evaluation skipped: database unreachable");
            }

            await Task.Delay(Settings.Alerts.EvaluationInterval, ct);
        }
    }

    /// <summary>One pass: evaluate (only on a healthy snapshot: an outage neither fires nor resolves), then deliver.</summary>
    public async Task TickAsync(CancellationToken ct)
    {
        if (state.Current is { IsHealthy: true, Snapshot: { } snapshot })
        {
            var rules = await store.RulesAsync(ct);
            var windows = new Dictionary<int, IReadOnlyDictionary<string, AlertRules.Finished>>();
            foreach (var window in rules.Where(r => r.Enabled && r.Condition == AlertConditions.FailureRateAbove).Select(r => r.WindowMinutes).Distinct())
            {
                windows[window] = await store.FinishedAsync(window, ct);
            }

            var stuck = rules.Any(r => r.Enabled && r.Condition == AlertConditions.StuckLongerThan)
                ? await store.StuckAsync(ct)
                : new Dictionary<string, AlertRules.Stuck>();
            var breaches = AlertRules.Evaluate(rules, snapshot, w => windows[w], stuck);
            var (fired, resolved) = await store.ApplyAsync(breaches, ct);
            if (fired + resolved > 0)
            {
                Logger.LogInformation("Alerts: {Fired} fired, {Resolved} resolved", fired, resolved);
            }
        }

        await DeliverAsync(ct);
    }

    private async Task DeliverAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Settings.Alerts.WebhookUrl))
        {
            return;
        }

        foreach (var e in await store.DueDeliveriesAsync(ct))
        {
            if (e.FireDeliveredAt is null && !await SendAsync(e, resolution: false, ct))
            {
                continue;
            }

            if (e.ResolvedAt is not null && e.ResolveDeliveredAt is null)
            {
                await SendAsync(e, resolution: true, ct);
            }
        }
    }

    private async Task<bool> SendAsync(AlertEvent e, bool resolution, CancellationToken ct)
    {
        var status = resolution ? "resolved" : "firing";
        var payload = new
        {
            text = resolution ? $"RESOLVED {e.Message}" : $"FIRING {e.Message}",
            status,
            idempotency_key = $"alert-{e.Id}-{status}",
            alert = new { id = e.Id, rule = e.RuleName, subject = e.Subject, value = e.Value, fired_at = e.FiredAt, resolved_at = e.ResolvedAt },
        };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Settings.Alerts.DeliveryTimeout);
            using var response = await _http.PostAsJsonAsync(new Uri(Settings.Alerts.WebhookUrl!), payload, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                await store.MarkDeliveredAsync(e.Id, resolution, ct);
                return true;
            }

            await store.MarkFailedAsync(e.Id, $"HTTP {(int)response.StatusCode}", Settings.Alerts.RetryDelay, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await store.MarkFailedAsync(e.Id, ex.Message, Settings.Alerts.RetryDelay, ct);
        }

        Logger.LogWarning("Alert {Id} ({Status}) not delivered; will retry", e.Id, status);
        return false;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
