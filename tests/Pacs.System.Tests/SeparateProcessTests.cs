using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.SystemTests;

/// <summary>
/// Peers for the whole class: one PostgreSQL and one Azurite, started from local binaries and stopped by PID.
/// </summary>
public sealed class SystemPeers : IAsyncLifetime
{
    private readonly TempFolder _data = new();
    public PostgresServer Postgres { get; } = new();

    public AzuriteFixture Azurite { get; } = new();

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        await Azurite.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Azurite.DisposeAsync();
        await Postgres.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Settings of a service on a fresh database and container of these peers (as the deployment gives them).</summary>
    public async Task<Dictionary<string, string>> ArchiveSettingsAsync() => new()
    {
        ["Pacs:Database:Provider"] = "PostgreSql",
        ["Pacs:Database:ConnectionString"] = await Postgres.CreateDatabaseAsync("system"),
        ["Pacs:Storage:Provider"] = "AzureBlob",
        ["Pacs:Storage:Endpoint"] = Azurite.ServiceUri.ToString(),
        ["Pacs:Storage:AccountKey"] = AzureBlobStoreOptions.DevelopmentAccountKey,
        ["Pacs:Storage:Container"] = AzuriteFixture.NewContainerName(),
        ["Pacs:DataFolder"] = _data.Folder(Guid.NewGuid().ToString("N")),
        // No broker in these tests yet (the indexer process joins with RabbitMQ): events stay in the process.
        ["Bus:Transport"] = "InMemory",
    };
}

/// <summary>The DICOMweb service as its own process over PostgreSQL and Azurite (issue 5, sections 3 and 5).</summary>
public sealed class SeparateProcessTests(SystemPeers peers) : IClassFixture<SystemPeers>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_dicomweb_process_stores_a_study_and_a_restarted_process_finds_it_with_qido_and_its_metadata()
    {
        using var studies = Generate(4, seed: 21);
        var settings = await peers.ArchiveSettingsAsync();
        string study = studies.Instances[0].StudyInstanceUid;

        await using (var service = await ServiceProcess.StartAsync("Pacs.DicomWeb", settings))
        {
            using var stored = await service.Client.PostAsync("dicom-web/studies", Stow(studies));
            Assert.True(stored.StatusCode == HttpStatusCode.OK, $"{(int)stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");
            service.Terminate();
            Assert.Equal(0, await service.WaitForExitAsync(Deadline));
        }

        // A new process over the same database and container: what the first acknowledged is there.
        await using var again = await ServiceProcess.StartAsync("Pacs.DicomWeb", settings);
        using var found = await again.Client.GetAsync($"dicom-web/studies?StudyInstanceUID={study}&includefield=00201208");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        using var results = JsonDocument.Parse(await found.Content.ReadAsStringAsync());
        var result = Assert.Single(results.RootElement.EnumerateArray());
        Assert.Equal(4, result.GetProperty("00201208").GetProperty("Value")[0].GetInt32());

        using var metadata = await again.Client.GetAsync($"dicom-web/studies/{study}/metadata");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        using var instances = JsonDocument.Parse(await metadata.Content.ReadAsStringAsync());
        Assert.Equal(studies.Instances.Select(i => i.SopInstanceUid).Order(),
            instances.RootElement.EnumerateArray().Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()).Order());
    }

    [Fact]
    public async Task Sigterm_turns_readiness_503_lets_the_upload_in_flight_finish_then_exits_0()
    {
        using var studies = Generate(2, seed: 22);
        var settings = await peers.ArchiveSettingsAsync();
        settings["Service:DrainDelaySeconds"] = "2";
        settings["Service:ShutdownTimeoutSeconds"] = "30";
        await using var service = await ServiceProcess.StartAsync("Pacs.DicomWeb", settings);

        // An upload that sends its first part, then holds the body open until the test lets it go on.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstPartSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = await ReadAllAsync(Stow(studies));
        var content = new HeldContent(body.Bytes, splitAt: body.Bytes.Length / 2, firstPartSent, release.Task);
        content.Headers.ContentType = body.ContentType;
        using var uploader = new HttpClient { BaseAddress = service.Address, Timeout = Deadline };
        var upload = uploader.PostAsync("dicom-web/studies", content);
        await firstPartSent.Task.WaitAsync(Deadline);

        service.Terminate();
        await service.WaitUntilAsync(HttpStatusCode.ServiceUnavailable, Deadline);
        release.SetResult();

        using var response = await upload.WaitAsync(Deadline);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{service.Output}");
        Assert.Equal(0, await service.WaitForExitAsync(Deadline));
        Assert.Contains("readiness reports 503", service.Output, StringComparison.Ordinal);
    }

    private static GeneratedStudies Generate(int instances, int seed) => GeneratedStudies.Generate(
        "--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series",
        instances.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rows", "8", "--cols", "8",
        "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static MultipartContent Stow(GeneratedStudies studies)
    {
        var content = new MultipartContent("related", $"system-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var instance in studies.Instances)
        {
            var part = new ByteArrayContent(File.ReadAllBytes(studies.FullPath(instance)));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }
        return content;
    }

    private static async Task<(byte[] Bytes, MediaTypeHeaderValue ContentType)> ReadAllAsync(HttpContent content) =>
        (await content.ReadAsByteArrayAsync(), content.Headers.ContentType!);

    /// <summary>A body sent in two pieces: the first at once, the second once <paramref name="resume"/> completes.</summary>
    private sealed class HeldContent(byte[] bytes, int splitAt, TaskCompletionSource firstSent, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, splitAt));
            await stream.FlushAsync();
            firstSent.TrySetResult();
            await resume;
            await stream.WriteAsync(bytes.AsMemory(splitAt));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
