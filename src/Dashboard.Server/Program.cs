using Dashboard.Web;
using Dashboard.Web.Extensions;

// The standalone console: a thin host of the console library (src/Dashboard.Web), with its own sign-in.
var builder = WebApplication.CreateBuilder(args);
// Serve static assets from the build output too (scripts/run.sh and the tests run it unpublished, in Production).
builder.WebHost.UseStaticWebAssets();
builder.Services.AddJobsConsole(builder.Configuration, console => console.RequireSignInByDefault = true);

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

app.UseStandaloneConsole();
app.MapJobsConsole();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so tests can start the real app.</summary>
public partial class Program;
