using MudBlazor.Services;

namespace Dashboard.Web.Extensions;

public static class WebServiceCollectionExtensions
{
    public static IServiceCollection AddDashboardWeb(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
