using Dashboard.Web.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class StartupSettingsTests
{
    private static IReadOnlyList<string> ProblemsWith(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddJobsConsole(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.SettingsProblems();
    }

    [Fact]
    public void SettingsProblems_NamesEveryBadSetting_AtOnce()
    {
        var problems = ProblemsWith(new()
        {
            ["ConnectionStrings:Jobs"] = "Host=db;Bogus Key=1",
            ["Dashboard:SnapshotInterval"] = "soon",
        });

        Assert.Contains(problems, p => p.Contains("ConnectionStrings:Jobs", StringComparison.Ordinal) || p.Contains("Dashboard:SnapshotInterval", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Dashboard:Auth:LocalUsers", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingsProblems_IsEmpty_WhenConfigured()
    {
        var problems = ProblemsWith(new()
        {
            ["ConnectionStrings:Jobs"] = "Host=db;Database=jobs",
            ["Dashboard:Auth:LocalUsers:0:Name"] = "alice",
            ["Dashboard:Auth:LocalUsers:0:Role"] = "operator",
            ["Dashboard:Auth:LocalUsers:0:PasswordHash"] = Core.Security.SecretHash.HashPassword("pw", 1000),
        });

        Assert.Empty(problems);
    }

    [Fact]
    public void CircuitRetention_IsShortByDefault_ConfigurableAndValidated()
    {
        var valid = new Dictionary<string, string?> { ["ConnectionStrings:Jobs"] = "Host=db;Database=jobs" };
        Assert.Equal((TimeSpan.FromMinutes(1), 100), CircuitOptionsWith(valid));

        valid["Dashboard:Circuits:DisconnectedRetention"] = "00:00:20";
        valid["Dashboard:Circuits:DisconnectedMaxRetained"] = "10";
        Assert.Equal((TimeSpan.FromSeconds(20), 10), CircuitOptionsWith(valid));

        var problems = ProblemsWith(new()
        {
            ["ConnectionStrings:Jobs"] = "Host=db;Database=jobs",
            ["Dashboard:Circuits:DisconnectedRetention"] = "00:00:00",
            ["Dashboard:Circuits:DisconnectedMaxRetained"] = "-1",
        });
        Assert.Contains(problems, p => p.Contains("Dashboard:Circuits:DisconnectedRetention", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Dashboard:Circuits:DisconnectedMaxRetained", StringComparison.Ordinal));
    }

    private static (TimeSpan, int) CircuitOptionsWith(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddJobsConsole(builder.Configuration);
        using var app = builder.Build();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Components.Server.CircuitOptions>>().Value;
        return (options.DisconnectedCircuitRetentionPeriod, options.DisconnectedCircuitMaxRetained);
    }
}
