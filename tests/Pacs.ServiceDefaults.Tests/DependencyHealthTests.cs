using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.ServiceDefaults.Tests;

/// <summary>Readiness of the DICOMweb service over its real dependencies: PostgreSQL and Azure Blob Storage (Azurite).</summary>
public sealed class DependencyHealthTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Readiness_checks_postgresql_and_the_blob_store_and_names_the_database_once_postgresql_stops_while_liveness_stays_200()
    {
        var postgres = new PostgresServer();
        try
        {
            await postgres.InitializeAsync();
            var settings = new Dictionary<string, string?>(Production(azurite))
            {
                ["Pacs:Database:Provider"] = "PostgreSql",
                ["Pacs:Database:ConnectionString"] = await postgres.CreateDatabaseAsync("health"),
            };
            await using var service = await DicomWebHost.StartAsync(settings);

            var (status, checks) = await ReadyAsync(service.Client);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Healthy", checks["database"]);
            Assert.Equal("Healthy", checks["blob-store"]);
            Assert.Equal("Healthy", checks["shutdown"]);

            await postgres.DisposeAsync();

            (status, checks) = await ReadyAsync(service.Client);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", checks["database"]);
            Assert.Equal("Healthy", checks["blob-store"]);
            using var live = await service.Client.GetAsync("health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task Readiness_names_the_blob_store_when_azure_storage_does_not_answer()
    {
        var settings = new Dictionary<string, string?>(Production(azurite))
        {
            // Nothing listens there; no retries, so the answer comes at once.
            ["Pacs:Storage:Endpoint"] = $"http://127.0.0.1:{FreePort.Next()}/{AzureBlobStoreOptions.DevelopmentAccountName}",
            ["Pacs:Storage:MaxRetryAttempts"] = "0",
        };
        await using var service = await DicomWebHost.StartAsync(settings);

        var (status, checks) = await ReadyAsync(service.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Healthy", checks["database"]);
        Assert.Equal("Unhealthy", checks["blob-store"]);
        using var live = await service.Client.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Readiness_names_the_blob_store_when_azure_storage_refuses_the_account_key()
    {
        var settings = new Dictionary<string, string?>(Production(azurite))
        {
            ["Pacs:Storage:AccountKey"] = Convert.ToBase64String(new byte[64]),
            ["Pacs:Storage:MaxRetryAttempts"] = "0",
        };
        await using var service = await DicomWebHost.StartAsync(settings);

        var (status, checks) = await ReadyAsync(service.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", checks["blob-store"]);
    }

    [Fact]
    public async Task A_broker_that_does_not_answer_leaves_the_dicomweb_service_ready_and_storing()
    {
        using var studies = Pacs.Testing.GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1",
            "--instances-per-series", "2", "--rows", "8", "--cols", "8", "--seed", "31");
        var settings = new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:RabbitMq:Host"] = "127.0.0.1",
            ["Bus:RabbitMq:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var service = await DicomWebHost.StartAsync(settings);

        // The bus has a health check, reported but not deciding readiness: events wait in the outbox.
        var registrations = service.App.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        var bus = Assert.Single(registrations, r => r.Tags.Contains("masstransit"));
        Assert.DoesNotContain(ServiceHealth.ReadyTag, bus.Tags);
        var (status, checks) = await ReadyAsync(service.Client);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(bus.Name, checks.Keys);

        var content = new MultipartContent("related", $"test-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new System.Net.Http.Headers.NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var instance in studies.Instances)
        {
            var part = new ByteArrayContent(File.ReadAllBytes(studies.FullPath(instance)));
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }
        using var stored = await service.Client.PostAsync("dicom-web/studies", content).WaitAsync(Deadline);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    /// <summary>Azure Blob Storage on the shared Azurite, a fresh container; the index in SQLite unless the test says otherwise.</summary>
    private static Dictionary<string, string?> Production(AzuriteFixture azurite) => new()
    {
        ["Pacs:Storage:Provider"] = "AzureBlob",
        ["Pacs:Storage:Endpoint"] = azurite.ServiceUri.ToString(),
        ["Pacs:Storage:AccountKey"] = AzureBlobStoreOptions.DevelopmentAccountKey,
        ["Pacs:Storage:Container"] = AzuriteFixture.NewContainerName(),
    };

    private static async Task<(HttpStatusCode Status, Dictionary<string, string?> Checks)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("health/ready").WaitAsync(Deadline);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks").EnumerateObject()
            .ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString());
        return (response.StatusCode, checks);
    }
}
