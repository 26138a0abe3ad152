using Dashboard.Core.Actions;
using Dashboard.Core.Changes;
using Dashboard.Web.Auth;
using Dashboard.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace Dashboard.Web.Tests.Shared;

/// <summary>bunit context with MudBlazor services and a fake feed.</summary>
public abstract class DashboardTestContext : BunitContext, IAsyncLifetime
{
    protected DashboardTestContext()
    {
        // WaitFor… deadlines only catch hangs; a loaded 2-core machine may take seconds to render.
        DefaultWaitTimeout = TimeSpan.FromMinutes(1);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        // The pages' clock moves only when a test advances it: their once-a-second re-render (ages), trend and
        // readiness refreshes never run between a test's find and click, nor flood the renderer of a loaded machine.
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddSingleton<IDashboardState>(_ => State);
        Services.AddSingleton<IOperatorActions>(Actions);
        Services.AddSingleton<ICurrentActor>(CurrentActor);
        Services.AddScoped<ActionRunner>();
        Services.AddSingleton<IListQueries>(Lists);
        Services.AddSingleton<Dashboard.Core.History.IHistoryView>(History);
    }

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected FakeListQueries Lists { get; } = new();

    protected FakeOperatorActions Actions { get; } = new();

    protected FakeCurrentActor CurrentActor { get; } = new();

    protected FakeHistoryView History { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that only dispose asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    protected FakeDashboardState State { get; } = new(Snapshots.Healthy(Snapshots.Create()));
}
