using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Pacs.DicomWeb.Hosting;
using Pacs.Testing;

namespace Pacs.ServiceDefaults.Tests;

/// <summary>
/// The DICOMweb service as its own process builds it (<see cref="DicomWebService"/>), here in the test process on a
/// free loopback port with a temporary data folder and the test's settings; stopped and its folder deleted on dispose.
/// </summary>
internal sealed class DicomWebHost : IAsyncDisposable
{
    private readonly TempFolder _data;

    private DicomWebHost(WebApplication app, TempFolder data)
    {
        App = app;
        _data = data;
        Address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<DicomWebHost> StartAsync(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null)
    {
        var data = new TempFolder();
        try
        {
            var all = new Dictionary<string, string?>
            {
                ["Pacs:DataFolder"] = data.Path,
                ["Pacs:DatabaseWaitSeconds"] = "10",
                ["Pacs:SweepIntervalMinutes"] = "0",
                // No broker unless the test gives one: events go to the in-process bus.
                ["Bus:Transport"] = "InMemory",
            };
            foreach (var (key, value) in settings)
                all[key] = value;
            var app = DicomWebService.Build(["--urls", "http://127.0.0.1:0"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                configure?.Invoke(builder);
            });
            await DicomWebService.StartAsync(app);
            return new DicomWebHost(app, data);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        _data.Dispose();
    }
}
