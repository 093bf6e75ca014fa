using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Hosting;
using Pacs.Gateway.QueryRetrieve;
using Pacs.Gateway.Worklist;
using Pacs.Server;

namespace Pacs.Gateway.Tests.QueryRetrieve;

/// <summary>How a gateway under test reaches the archive.</summary>
public enum ArchiveAccess
{
    /// <summary>QIDO-RS and WADO-RS over HTTP (the standalone gateway).</summary>
    Http,

    /// <summary>The archive's services called directly (the gateway embedded in the server).</summary>
    InProcess,
}

/// <summary>
/// The real archive (the embedded server on a free port and a temporary data folder) holding generated studies, and
/// gateways in front of it: one reaching it over DICOMweb, one in process, and one in process with a worklist. Each
/// gateway knows the C-MOVE destination <see cref="DestinationAe"/> at <see cref="DestinationPort"/>, where tests start
/// a DCMTK storescp.
/// </summary>
public sealed class QueryRetrieveFixture : IAsyncLifetime
{
    public const string GatewayAe = "PACS";
    public const string DestinationAe = "STORESCP";
    public const string UnreachableAe = "NOBODY";

    private WebApplication? _archive;
    private string? _dataFolder;
    private readonly List<GatewayHost> _gateways = [];

    /// <summary>3 patients × 2 studies × 2 series × 3 instances (CT and MR, 2020-2024), deterministic.</summary>
    public GeneratedStudies Studies { get; } = GeneratedStudies.Generate(
        "--patients", "3", "--studies-per-patient", "2", "--series-per-study", "2", "--instances-per-series", "3",
        "--rows", "32", "--cols", "32", "--seed", "7", "--modalities", "CT,MR", "--start-date", "2020-01-01", "--end-date", "2024-12-31");

    /// <summary>
    /// One study of two instances stored RLE Lossless, patient "RLE000001" (renamed so that it stays apart from
    /// <see cref="Studies"/>): a destination that takes only uncompressed data needs them converted.
    /// </summary>
    public GeneratedStudies RleStudy { get; } = GeneratedStudies.Generate(
        "--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "2",
        "--rows", "32", "--cols", "32", "--seed", "11", "--modalities", "CT", "--transfer-syntax", "rle", "--start-date", "2021-05-01", "--end-date", "2021-05-31");

    public const string RlePatientId = "RLE000001";

    public HttpClient ArchiveClient { get; private set; } = null!;

    /// <summary>Where tests run storescp as the C-MOVE destination.</summary>
    public int DestinationPort { get; } = FreePort.Next();

    /// <summary>A declared destination where nothing listens.</summary>
    public int UnreachablePort { get; } = FreePort.Next();

    public int HttpGatewayPort { get; private set; }

    public int InProcessGatewayPort { get; private set; }

    public int WorklistGatewayPort { get; private set; }

    /// <summary>
    /// A gateway (in process) whose archive holds back everything after the first page of a search and the first object
    /// of a retrieve until the request is cancelled: C-CANCEL then always arrives while work remains.
    /// </summary>
    public int GatedGatewayPort { get; private set; }

    public int Port(ArchiveAccess access) => access == ArchiveAccess.Http ? HttpGatewayPort : InProcessGatewayPort;

    public async Task InitializeAsync()
    {
        _dataFolder = Directory.CreateTempSubdirectory("pacs-gateway-qr-").FullName;
        // The server's own embedded gateway (on a free port, knowing the destinations) is the in-process gateway under test.
        _archive = PacsServer.Build(
        [
            $"--Pacs:DataFolder={_dataFolder}", "--Pacs:Url=http://127.0.0.1:0", "--Pacs:Gateway:Port=0",
            $"--Pacs:Gateway:Destinations:0:AeTitle={DestinationAe}", "--Pacs:Gateway:Destinations:0:Host=127.0.0.1",
            $"--Pacs:Gateway:Destinations:0:Port={DestinationPort}",
            $"--Pacs:Gateway:Destinations:1:AeTitle={UnreachableAe}", "--Pacs:Gateway:Destinations:1:Host=127.0.0.1",
            $"--Pacs:Gateway:Destinations:1:Port={UnreachablePort}",
        ]);
        await PacsServer.StartAsync(_archive);
        var root = new Uri(_archive.Urls.Single().TrimEnd('/') + "/dicom-web/");
        ArchiveClient = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(60) };
        await StowAsync(Studies.Instances.Select(Studies.FullPath));
        await StowAsync(await Task.WhenAll(RleStudy.Instances.Select(i => RenamePatientAsync(RleStudy.FullPath(i)))));

        var options = new GatewayOptions
        {
            AeTitle = GatewayAe,
            Port = 0,
            Destinations =
            [
                new DimseDestination { AeTitle = DestinationAe, Host = "127.0.0.1", Port = DestinationPort },
                new DimseDestination { AeTitle = UnreachableAe, Host = "127.0.0.1", Port = UnreachablePort },
            ],
        };
        var http = QueryRetrieveServiceCollectionExtensions.CreateClient(new GatewayOptions { ArchiveUrl = root.ToString() });
        var query = _archive.Services.GetRequiredService<IArchiveQuery>();
        var retrieve = _archive.Services.GetRequiredService<IArchiveRetrieve>();
        HttpGatewayPort = await StartGatewayAsync(options, new GatewayQueryRetrieve(http, http, options), null);
        InProcessGatewayPort = _archive.Services.GetRequiredService<GatewayHost>().LocalEndPoint!.Port;
        var worklist = new FixedWorklist();
        WorklistGatewayPort = await StartGatewayAsync(options, new GatewayQueryRetrieve(query, retrieve, options, worklist), worklist);
        var gated = new GatedArchive(query, retrieve);
        GatedGatewayPort = await StartGatewayAsync(options, new GatewayQueryRetrieve(gated, gated, options, null, new QueryRetrieveOptions { FindPageSize = 4 }), null);
    }

    /// <summary>Starts another gateway over the in-process archive with <paramref name="options"/> (its port; stopped with the fixture).</summary>
    public Task<int> StartInProcessGatewayAsync(GatewayOptions options)
    {
        var query = _archive!.Services.GetRequiredService<IArchiveQuery>();
        var retrieve = _archive.Services.GetRequiredService<IArchiveRetrieve>();
        return StartGatewayAsync(options, new GatewayQueryRetrieve(query, retrieve, options), null);
    }

    private async Task<int> StartGatewayAsync(GatewayOptions options, GatewayQueryRetrieve queryRetrieve, IWorklistSource? worklist)
    {
        var host = new GatewayHost(options, _ => new GatewayDimseService(queryRetrieve), NullLogger<GatewayHost>.Instance, worklist);
        await host.StartAsync(CancellationToken.None);
        _gateways.Add(host);
        return host.LocalEndPoint!.Port;
    }

    /// <summary>Rewrites a file with Patient ID <see cref="RlePatientId"/> (pixel data passed through as stored); returns its path.</summary>
    private static async Task<string> RenamePatientAsync(string path)
    {
        var renamed = path + ".renamed";
        var file = DicomFile.Open(path);
        file.Dataset.Set(DicomTag.PatientID, DicomVR.LO, RlePatientId);
        file.Dataset.Set(DicomTag.PatientName, DicomVR.PN, "Rle^Case");
        await using (var output = File.Create(renamed))
        {
            await DicomWriter.WriteFileAsync(output, file, new DicomWriteOptions { BulkDataSource = new DicomFileBulkDataSource(path), FlushToDisk = false });
        }

        return renamed;
    }

    /// <summary>STOW-RS of the files, in batches.</summary>
    public async Task StowAsync(IEnumerable<string> files)
    {
        foreach (var batch in files.Chunk(12))
        {
            var content = new MultipartContent("related", $"test-{Guid.NewGuid():N}");
            content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
            foreach (var file in batch)
            {
                var body = new ByteArrayContent(await File.ReadAllBytesAsync(file));
                body.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                content.Add(body);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "studies") { Content = content };
            request.Headers.Accept.ParseAdd("application/dicom+json");
            using var response = await ArchiveClient.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"STOW-RS: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        ArchiveClient?.Dispose();
        if (_archive is not null)
        {
            await _archive.StopAsync();
            await _archive.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_dataFolder is not null && Directory.Exists(_dataFolder))
        {
            Directory.Delete(_dataFolder, recursive: true);
        }

        Studies.Dispose();
        RleStudy.Dispose();
    }

    /// <summary>
    /// A worklist of two scheduled procedure steps, standing in for the worklist a later issue builds (the gateway's
    /// contract is only <see cref="IWorklistSource"/>; the matching is the gateway's).
    /// </summary>
    private sealed class FixedWorklist : IWorklistSource
    {
        public async IAsyncEnumerable<DicomDataset> FindAsync(IReadOnlyList<ArchiveMatchKey> keys, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return Item("WL001", "Worklist^Anna", "CT", "20250301", "0800", "SPS1");
            yield return Item("WL002", "Worklist^Bert", "MR", "20250302", "1400", "SPS2");
        }

        private static DicomDataset Item(string patientId, string name, string modality, string date, string time, string stepId)
        {
            var step = new DicomDataset()
                .Set(DicomTag.Modality, DicomVR.CS, modality)
                .Set(DicomTag.ScheduledStationAETitle, DicomVR.AE, "MODALITY1")
                .Set(DicomTag.ScheduledProcedureStepStartDate, DicomVR.DA, date)
                .Set(DicomTag.ScheduledProcedureStepStartTime, DicomVR.TM, time)
                .Set(DicomTag.ScheduledProcedureStepID, DicomVR.SH, stepId);
            return new DicomDataset()
                .Set(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192")
                .Set(DicomTag.PatientName, DicomVR.PN, name)
                .Set(DicomTag.PatientID, DicomVR.LO, patientId)
                .Set(DicomTag.AccessionNumber, DicomVR.SH, "ACC-" + patientId)
                .Set(DicomTag.RequestedProcedureID, DicomVR.SH, "RP-" + patientId)
                .Set(DicomTag.StudyInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.2.1125.9." + patientId[^1])
                .Set(new DicomSequence(DicomTag.ScheduledProcedureStepSequence, [step]));
        }
    }
}

/// <summary>
/// The real archive, with a hold: searches past the first page and objects past the first of a retrieve wait until the
/// request is cancelled (bounded), so a test can cancel with work certainly left.
/// </summary>
internal sealed class GatedArchive(IArchiveQuery query, IArchiveRetrieve retrieve) : IArchiveQuery, IArchiveRetrieve
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    public bool CanMatch(ArchiveQueryLevel level, ArchiveMatchKey key) => query.CanMatch(level, key);

    public async Task<ArchiveQueryPage> QueryAsync(ArchiveQuery request, CancellationToken cancellationToken)
    {
        if (request.Offset > 0)
        {
            await Task.Delay(Hold, cancellationToken);
        }

        return await query.QueryAsync(request, cancellationToken);
    }

    public async IAsyncEnumerable<ArchiveObject> RetrieveAsync(ArchiveRetrieveTarget target, string? transferSyntaxUid,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        await foreach (var item in retrieve.RetrieveAsync(target, transferSyntaxUid, cancellationToken))
        {
            if (!first)
            {
                await Task.Delay(Hold, cancellationToken);
            }

            first = false;
            yield return item;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class QueryRetrieveCollection : ICollectionFixture<QueryRetrieveFixture>
{
    public const string Name = "Gateway query/retrieve against the archive";
}
