using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pacs.ServiceDefaults.Tests;

/// <summary>
/// A small service host as every Pacs service builds one (AddServiceDefaults, UseServiceDefaults, MapServiceDefaults),
/// on a free loopback port, with the test's settings and endpoints; stopped on dispose.
/// </summary>
internal sealed class TestService : IAsyncDisposable
{
    private TestService(WebApplication app)
    {
        App = app;
        Address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<TestService> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<WebApplication>? map = null,
        Action<WebApplicationBuilder>? configure = null,
        string name = "test-service")
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        configure?.Invoke(builder);
        builder.AddServiceDefaults(name);
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        map?.Invoke(app);
        await app.StartAsync();
        return new TestService(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
