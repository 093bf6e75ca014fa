using System.Globalization;
using System.Net;
using System.Text.Json;
using Pacs.Testing;

namespace Pacs.SystemTests;

/// <summary>The gateway and the indexer as their own processes: readiness over their dependencies, graceful stop on SIGTERM.</summary>
public sealed class ServiceHostTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_gateway_process_is_ready_while_its_dimse_listener_runs_even_with_the_archive_down_and_stops_on_sigterm()
    {
        using var folder = new TempFolder();
        var settings = new Dictionary<string, string>
        {
            ["Pacs:Gateway:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Pacs:Gateway:SpoolFolder"] = folder.Folder("spool"),
            // Nothing listens there: C-STORE would go on into the spool, so the gateway stays ready.
            ["Pacs:Gateway:ArchiveUrl"] = $"http://127.0.0.1:{FreePort.Next()}/dicom-web",
        };
        await using var gateway = await ServiceProcess.StartAsync("Pacs.Gateway", settings);

        using var ready = await gateway.Client.GetAsync("health/ready");
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", report.RootElement.GetProperty("checks").GetProperty("dimse-listener").GetProperty("status").GetString());
        var echo = await Dcmtk.RunAsync("echoscu", ["-aet", "CT1", "-aec", "PACS", "127.0.0.1", settings["Pacs:Gateway:Port"]], Deadline);
        Assert.True(echo.ExitCode == 0, echo.Output);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Deadline));
    }

    [Fact]
    public async Task The_indexer_process_is_ready_with_its_database_and_broker_and_stops_on_sigterm()
    {
        using var folder = new TempFolder();
        var postgres = new PostgresServer();
        var rabbit = new RabbitMqServer();
        try
        {
            await postgres.InitializeAsync();
            await rabbit.InitializeAsync();
            await IndexerRunsAsync(postgres, rabbit, folder);
        }
        finally
        {
            await rabbit.DisposeAsync();
            await postgres.DisposeAsync();
        }
    }

    private static async Task IndexerRunsAsync(PostgresServer postgres, RabbitMqServer rabbit, TempFolder folder)
    {
        var settings = new Dictionary<string, string>
        {
            ["Pacs:Database:Provider"] = "PostgreSql",
            ["Pacs:Database:ConnectionString"] = await postgres.CreateDatabaseAsync("indexer"),
            ["Pacs:Storage:Provider"] = "FileSystem",
            ["Pacs:Storage:RootPath"] = folder.Folder("blobs"),
            ["Bus:RabbitMq:Host"] = rabbit.Host,
            ["Bus:RabbitMq:Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:Username"] = rabbit.Username,
            ["Bus:RabbitMq:Password"] = rabbit.Password,
            ["Bus:EntityPrefix"] = "system-" + Guid.NewGuid().ToString("N")[..8],
        };
        await using var indexer = await ServiceProcess.StartAsync("Pacs.Indexer", settings);

        using var ready = await indexer.Client.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains("database", checks);
        Assert.Contains(checks, c => c.Contains("masstransit", StringComparison.OrdinalIgnoreCase));

        indexer.Terminate();
        Assert.Equal(0, await indexer.WaitForExitAsync(Deadline));
    }
}
