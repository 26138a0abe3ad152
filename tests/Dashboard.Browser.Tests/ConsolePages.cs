using System.Reflection;
using System.Text.RegularExpressions;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// Every page route of the app, discovered from its components' <c>@page</c> directives, so a page added later is
/// covered by the checks that iterate over them (accessibility, phone width) without editing a list here.
/// </summary>
public static partial class ConsolePages
{
    /// <summary>Page routes as written, e.g. "/", "/drain", "/jobs/{id:long}".</summary>
    public static IReadOnlyList<string> Templates { get; } = typeof(Dashboard.Web.Components.App).Assembly.GetTypes()
        .Where(t => typeof(IComponent).IsAssignableFrom(t))
        .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
        .Select(r => r.Template)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Pages that need no sign-in, and pages shown only on a refusal; the rest are the console's pages.</summary>
    public static bool IsConsolePage(string template) => template is not ("/signin" or "/signin/refused" or "/denied");

    /// <summary>
    /// The URL to open for a route, with each parameter filled from <paramref name="samples"/> (by name). A route
    /// with a parameter no sample names fails the test with a message saying which to add.
    /// </summary>
    public static string UrlOf(string template, IReadOnlyDictionary<string, string> samples) =>
        RouteParameter().Replace(template, m =>
        {
            var name = m.Groups["name"].Value;
            return samples.TryGetValue(name, out var value)
                ? Uri.EscapeDataString(value)
                : throw new InvalidOperationException($"Route {template} has a parameter '{name}' the browser tests have no sample value for: add one where the samples are built.");
        });

    /// <summary>Signs in through the real form in a new page of <paramref name="context"/> and waits for the overview.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext context, string role)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", role);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(role));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Waits until a page has its heading and nothing is loading any more.</summary>
    public static async Task SettledAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("h1").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".mud-progress-linear.mud-progress-indeterminate")).ToHaveCountAsync(0);
    }

    /// <summary>Whether the page's background is dark (the sum of its RGB channels is low).</summary>
    public static async Task<bool> LooksDarkAsync(IPage page) =>
        await page.EvaluateAsync<bool>("""
            () => {
              const [r, g, b, a = 1] = (getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
              return a > 0 && r + g + b < 200;
            }
            """);

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
