using Dashboard.Core;
using Dashboard.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
// Serve static assets from the build output too (scripts/run.sh and the tests run it unpublished, in Production).
builder.WebHost.UseStaticWebAssets();
builder.Services.AddDashboardCore(builder.Configuration);
builder.Services.AddDashboardWeb(builder.Configuration);

var app = builder.Build();
if (app.Services.SettingsProblems() is { Count: > 0 } problems)
{
    // Every invalid setting at once, each naming its key; no stack trace.
    await Console.Error.WriteLineAsync("The console cannot start; fix these settings:");
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync($"  - {problem}");
    }

    return 2;
}

app.UseDashboardWeb();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so tests can start the real app.</summary>
public partial class Program;
