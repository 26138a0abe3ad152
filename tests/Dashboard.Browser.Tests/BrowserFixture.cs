using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright: headless, with the flags that keep it off the network (nothing here may
/// reach the internet), executable path from DASHBOARD_CHROMIUM (scripts/test.sh installs it) or /usr/bin/chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>
    /// How long any browser step or expectation may take before the test fails: a deadline that only catches hangs,
    /// generous because the suite runs on a shared 2-core machine where a page load can take many seconds.
    /// </summary>
    public const float Patience = 120_000;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("DASHBOARD_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}. Run the tests with scripts/test.sh, which installs Debian's chromium.");
        }

        Assertions.SetDefaultExpectTimeout(Patience);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
