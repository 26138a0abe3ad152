using System.Security.Claims;
using Dashboard.Core.Security;
using Dashboard.Web;
using HostWithConsole;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

// An application of its own (a back office with its own sign-in) that mounts the jobs console under /ops/jobs.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options =>
    {
        options.LoginPath = "/login";
        options.AccessDeniedPath = "/denied";
        options.Cookie.Name = "backoffice.session";
    });
builder.Services.AddAuthorization(options => options.AddPolicy("SupportLeads", policy => policy.RequireClaim("team", "support-leads")));
builder.Services.AddSingleton<BackOfficeUsers>();

// 1 of 2: the console, using this application's sign-in; its roles and policies map to console roles.
builder.Services.AddJobsConsole(builder.Configuration, console => console.UseHostAuthentication(host => host
    .MapRole("sre", Roles.Operator)
    .MapRole("engineering", Roles.Viewer)
    .MapPolicy("SupportLeads", Roles.Auditor)));

var app = builder.Build();
app.UseAuthentication();
app.UseAntiforgery();

app.MapGet("/", (HttpContext http) => Results.Content(BackOfficePages.Home(http.User), "text/html"));
app.MapGet("/login", (HttpContext http, string? returnUrl) => Results.Content(BackOfficePages.Login(http, returnUrl, failed: false), "text/html"));
app.MapPost("/login", async (HttpContext http, BackOfficeUsers users, [Microsoft.AspNetCore.Mvc.FromForm] string? name,
    [Microsoft.AspNetCore.Mvc.FromForm] string? password, [Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
{
    if (users.Verify(name, password) is not { } user)
    {
        return Results.Content(BackOfficePages.Login(http, returnUrl, failed: true), "text/html");
    }

    var claims = new List<Claim> { new(ClaimTypes.Name, user.Name) };
    claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
    claims.AddRange(user.Teams.Select(t => new Claim("team", t)));
    await http.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
    return Results.LocalRedirect(returnUrl is { Length: > 0 } && Uri.IsWellFormedUriString(returnUrl, UriKind.Relative) ? returnUrl : "/");
});
app.MapGet("/denied", () => Results.Content("<h1>Your back-office roles give you no access to that page.</h1>", "text/html", statusCode: 403));

// 2 of 2: the console's pages, assets, circuit, hub, deploy gate, audit export and health probes under /ops/jobs.
app.MapJobsConsole("/ops/jobs");
app.Run();
