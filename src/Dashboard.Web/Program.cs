using Dashboard.Core;
using Dashboard.Web.Extensions;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
// Serve static assets from the build output too (scripts/run.sh and the tests run it unpublished, in Production).
builder.WebHost.UseStaticWebAssets();
builder.Services.AddDashboardCore(builder.Configuration);
builder.Services.AddDashboardWeb(builder.Configuration);

var app = builder.Build();
app.UseDashboardWeb();

try
{
    await app.RunAsync();
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("The console cannot start; fix these settings:");
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync($"  - {failure}");
    }

    return 2;
}

return 0;

/// <summary>Entry point; public so tests can start the real app.</summary>
public partial class Program;
