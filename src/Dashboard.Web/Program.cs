using Dashboard.Core;
using Dashboard.Web.Components;
using Dashboard.Web.Extensions;
using Microsoft.Extensions.Options;

// The console's own assets (wwwroot-assets/ at the top of the repository, copied beside the app) are its web root.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets"),
});
builder.Services.AddDashboardCore(builder.Configuration);
builder.Services.AddDashboardWeb();

var app = builder.Build();
app.UseStaticFiles();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

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

/// <summary>Entry point; public so the test host can start the real app.</summary>
public partial class Program;
