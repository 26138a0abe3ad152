using Dashboard.Core.Jobs;
using Dashboard.Demo;
using Dashboard.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// dashboard-demo: one process of the demo fleet. Runs the reference worker with synthetic handlers for the demo's
// kinds and keeps a trickle of new jobs coming, so the console always has moving data. SIGTERM stops it cleanly.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
});
builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName);
builder.Services.AddJobWorker(o =>
{
    o.Concurrency = 8;
    o.ShutdownBudget = TimeSpan.FromSeconds(5);
    o.RetryBaseDelay = TimeSpan.FromSeconds(5);

    // Expired leases stay stuck so the console has some to show (and force-release); a real fleet reclaims them.
    o.ReclaimExpiredLeases = false;
    DemoHandlers.Register(o, builder.Configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>() ?? new DemoOptions());
});
builder.Services.AddSingleton<JobCommands>();
builder.Services.AddHostedService<DemoEnqueuer>();
await builder.Build().RunAsync();
