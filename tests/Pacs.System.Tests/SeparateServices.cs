using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.SystemTests;

/// <summary>
/// Peers of the separate-services tests: PostgreSQL, RabbitMQ and Azurite from local binaries, stopped by PID. Each
/// test makes its own database, blob container and bus entity prefix, so tests never see each other's data.
/// </summary>
public sealed class BrokeredPeers : IAsyncLifetime
{
    public PostgresServer Postgres { get; } = new();

    public RabbitMqServer Rabbit { get; } = new();

    public AzuriteFixture Azurite { get; } = new();

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        await Azurite.InitializeAsync();
        await Rabbit.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Rabbit.DisposeAsync();
        await Azurite.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

/// <summary>
/// One Pacs deployment as separate processes over <see cref="BrokeredPeers"/>: Pacs.DicomWeb and Pacs.Indexer on one
/// PostgreSQL database, one Azurite container and one RabbitMQ (with an entity prefix of its own), and Pacs.Gateway
/// forwarding C-STOREs over STOW-RS to the DICOMweb process. Each is configured only by environment variables, as the
/// containers are (docs/deployment.md). Structured (JSON) logs, so a test can follow trace ids across processes.
/// </summary>
internal sealed class SeparateServices : IAsyncDisposable
{
    private readonly Dictionary<string, string> _archive;
    private readonly Dictionary<string, string> _bus;
    private readonly TempFolder _folder;

    private SeparateServices(BrokeredPeers peers, TempFolder folder, Dictionary<string, string> archive, Dictionary<string, string> bus, string connectionString)
    {
        Peers = peers;
        _folder = folder;
        _archive = archive;
        _bus = bus;
        ConnectionString = connectionString;
        GatewayPort = FreePort.Next();
    }

    public BrokeredPeers Peers { get; }

    public string ConnectionString { get; }

    public int GatewayPort { get; }

    public ServiceProcess DicomWeb { get; private set; } = null!;

    public ServiceProcess Indexer { get; private set; } = null!;

    public ServiceProcess Gateway { get; private set; } = null!;

    /// <summary>Everything the three processes wrote, for failure messages.</summary>
    public string Output => $"--- dicomweb\n{DicomWeb?.Output}\n--- indexer\n{Indexer?.Output}\n--- gateway\n{Gateway?.Output}";

    /// <summary>
    /// Starts DicomWeb, then the indexer, then the gateway (each ready before the next), on a fresh database and
    /// container. <paramref name="indexer"/> adds settings of the indexer.
    /// </summary>
    /// <param name="traced">
    /// Records traces in every process (an OTLP endpoint is set, as in production; nothing listens there, so the spans go
    /// nowhere) and logs what the trace test follows: the DICOMweb process's requests and the indexer's SQL commands.
    /// </param>
    public static async Task<SeparateServices> StartAsync(BrokeredPeers peers, IDictionary<string, string>? indexer = null, bool traced = false)
    {
        var folder = new TempFolder();
        string connectionString = await peers.Postgres.CreateDatabaseAsync("services");
        var archive = new Dictionary<string, string>
        {
            ["Pacs:Database:Provider"] = "PostgreSql",
            ["Pacs:Database:ConnectionString"] = connectionString,
            ["Pacs:Storage:Provider"] = "AzureBlob",
            ["Pacs:Storage:Endpoint"] = peers.Azurite.ServiceUri.ToString(),
            ["Pacs:Storage:AccountKey"] = AzureBlobStoreOptions.DevelopmentAccountKey,
            ["Pacs:Storage:Container"] = AzuriteFixture.NewContainerName(),
            ["Service:Logging:Format"] = "Json",
        };
        var tracing = new Dictionary<string, string>();
        if (traced)
        {
            tracing["Service:Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}";
            tracing["Service:Telemetry:OtlpProtocol"] = "HttpProtobuf";
            tracing["Service:Telemetry:ExportLogs"] = "false";
            foreach (var (k, v) in tracing)
                archive[k] = v;
        }
        var bus = new Dictionary<string, string>
        {
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:RabbitMq:Host"] = peers.Rabbit.Host,
            ["Bus:RabbitMq:Port"] = peers.Rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:Username"] = peers.Rabbit.Username,
            ["Bus:RabbitMq:Password"] = peers.Rabbit.Password,
            // A lost broker is noticed within seconds rather than the default 10 s heartbeat.
            ["Bus:RabbitMq:Heartbeat"] = "00:00:02",
            ["Bus:EntityPrefix"] = "sys" + Guid.NewGuid().ToString("N")[..8] + ".",
            // The dispatcher tries the returned broker again within 2 s (default backoff grows to 15 s).
            ["Bus:Outbox:MaxBackoff"] = "00:00:02",
        };
        var services = new SeparateServices(peers, folder, archive, bus, connectionString);
        try
        {
            var dicomWeb = services.DicomWebSettings();
            var indexerSettings = new Dictionary<string, string>(indexer ?? new Dictionary<string, string>());
            if (traced)
            {
                dicomWeb["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
                indexerSettings["Logging:LogLevel:MassTransit"] = "Debug";
            }
            services.DicomWeb = await ServiceProcess.StartAsync("Pacs.DicomWeb", dicomWeb);
            await services.StartIndexerAsync(indexerSettings);
            var gatewaySettings = services.GatewaySettings();
            foreach (var (k, v) in tracing)
                gatewaySettings[k] = v;
            services.Gateway = await ServiceProcess.StartAsync("Pacs.Gateway", gatewaySettings);
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or starts again, after a kill) the indexer process.</summary>
    public async Task StartIndexerAsync(IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(_archive) { ["Pacs:DataFolder"] = _folder.Folder("indexer") };
        foreach (var (k, v) in _bus)
            settings[k] = v;
        // Documents of a series are rebuilt half a second after its last event (default 1 s): shorter waits here.
        settings["Pacs:Indexer:DocumentQuietPeriod"] = "00:00:00.5";
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
            settings[k] = v;
        Indexer = await ServiceProcess.StartAsync("Pacs.Indexer", settings);
    }

    private Dictionary<string, string> DicomWebSettings()
    {
        var settings = new Dictionary<string, string>(_archive) { ["Pacs:DataFolder"] = _folder.Folder("dicomweb") };
        foreach (var (k, v) in _bus)
            settings[k] = v;
        return settings;
    }

    private Dictionary<string, string> GatewaySettings() => new()
    {
        ["Pacs:Gateway:Port"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
        ["Pacs:Gateway:SpoolFolder"] = _folder.Folder("spool"),
        ["Pacs:Gateway:ArchiveUrl"] = new Uri(DicomWeb.Address, "dicom-web").ToString(),
        // The temp file system of a test machine may have less free space than the production default asks for.
        ["Pacs:Gateway:MinimumFreeDiskBytes"] = "1048576",
        ["Service:Logging:Format"] = "Json",
    };

    /// <summary>storescu of a folder tree to the gateway, as a modality would send it (TCP_NODELAY=1, one association).</summary>
    public Task<DcmtkResult> StoreAsync(string folder, TimeSpan deadline) => StoreAsync([folder], deadline);

    /// <summary>storescu of several folder trees in one association.</summary>
    public Task<DcmtkResult> StoreAsync(IEnumerable<string> folders, TimeSpan deadline) =>
        Dcmtk.RunAsync("storescu", ["-aet", "MODALITY", "-aec", "PACS", "+sd", "+r", "+sp", "*.dcm", "127.0.0.1",
            GatewayPort.ToString(CultureInfo.InvariantCulture), .. folders], deadline);

    /// <summary>NumberOfStudyRelatedInstances of a study by QIDO-RS at the DICOMweb process (0 when not found).</summary>
    public async Task<int> QidoInstanceCountAsync(string study)
    {
        using var response = await DicomWeb.Client.GetAsync($"dicom-web/studies?StudyInstanceUID={study}&includefield=00201208");
        if (response.StatusCode == HttpStatusCode.NoContent)
            return 0;
        response.EnsureSuccessStatusCode();
        using var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return results.RootElement.EnumerateArray().Sum(r => r.GetProperty("00201208").GetProperty("Value")[0].GetInt32());
    }

    /// <summary>The SOP Instance UIDs WADO-RS series metadata lists (the DICOMweb process serves the series' document).</summary>
    public async Task<List<string>> SeriesMetadataAsync(string study, string series)
    {
        using var response = await DicomWeb.Client.GetAsync($"dicom-web/studies/{study}/series/{series}/metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var instances = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return instances.RootElement.EnumerateArray().Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()!).ToList();
    }

    /// <summary>Runs a scalar query on the index database (what the indexer recorded: inbox, summaries, outbox).</summary>
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    /// <summary>The indexer's summary of a series as it recorded it.</summary>
    public async Task<SeriesRecord?> SeriesRecordAsync(string series)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT number_of_instances, revision, document_revision, document_stale, document_built_at IS NOT NULL FROM series_summaries WHERE series_instance_uid = @s",
            connection);
        command.Parameters.AddWithValue("s", series);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return new SeriesRecord(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetBoolean(4));
    }

    public async ValueTask DisposeAsync()
    {
        // Gateway first (it forwards to DicomWeb), the indexer, then DicomWeb; each by its PID.
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        if (Indexer is not null)
            await Indexer.DisposeAsync();
        if (DicomWeb is not null)
            await DicomWeb.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _folder.Dispose();
    }
}

/// <summary>What the indexer recorded of one series (table series_summaries).</summary>
internal sealed record SeriesRecord(int Instances, long Revision, long DocumentRevision, bool DocumentStale, bool DocumentBuilt)
{
    /// <summary>The document was rebuilt by the indexer for the summary's latest revision.</summary>
    public bool DocumentCurrent => DocumentBuilt && !DocumentStale && DocumentRevision == Revision;
}
