using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive;
using Pacs.Server.Tests.Support;
using Pacs.Testing;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// Study and series metadata come from a per-series document built once per series version and stored in the blob
/// store; a request after the first parses no stored instance; a new instance costs one parse; ETag and If-None-Match;
/// <see cref="IMetadataDocuments.RebuildSeriesAsync"/> keeps one version and removes the documents of a deleted series.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class MetadataDocumentTests(ServerPeers peers)
{
    private const string Json = "application/dicom+json";

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Series_metadata_is_built_once_stored_and_served_without_parsing_the_instances_again(Backend backend)
    {
        using var generated = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "2",
            "--instances-per-series", "6", "--rows", "16", "--cols", "16", "--seed", "11");
        var first = generated.Instances.Where(i => i.SeriesNumber == generated.Instances[0].SeriesNumber).ToList();
        var study = first[0].StudyInstanceUid;
        var series = first[0].SeriesInstanceUid;
        await using var server = await peers.StartServerAsync(backend);
        var documents = server.Services.GetRequiredService<SeriesMetadataDocuments>();

        // Five of the six instances of the first series, and the whole second series.
        using (var stow = await server.StowAsync([.. generated.Instances.Where(i => i != first[5]).Select(i => File.ReadAllBytes(generated.FullPath(i)))]))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);

        var url = $"studies/{study}/series/{series}/metadata";
        var (body, etag) = await GetAsync(server, url);
        Assert.Equal(5, documents.InstancesParsed);
        Assert.Equal(5, body.RootElement.GetArrayLength());
        var stored = await DocumentNamesAsync(server, study, series);
        Assert.Equal([".index", ".json"], stored.Select(Path.GetExtension).Order(StringComparer.Ordinal));

        // The second request reads the stored document: nothing parsed, the same answer.
        var (again, etagAgain) = await GetAsync(server, url);
        Assert.Equal(5, documents.InstancesParsed);
        Assert.Equal(body.RootElement.GetRawText(), again.RootElement.GetRawText());
        Assert.Equal(etag, etagAgain);

        // Each object equals the instance-level metadata (built directly from the stored object), BulkDataURIs included.
        foreach (var item in body.RootElement.EnumerateArray())
        {
            var sop = item.GetProperty("00080018").GetProperty("Value")[0].GetString();
            var (single, _) = await GetAsync(server, $"studies/{study}/series/{series}/instances/{sop}/metadata");
            Assert.Equal(single.RootElement[0].GetRawText(), item.GetRawText());
        }

        // The BulkDataURIs name the address the client used (the Host header here).
        var pixelUri = body.RootElement[0].GetProperty("7FE00010").GetProperty("BulkDataURI").GetString()!;
        Assert.StartsWith(server.Client.BaseAddress!.ToString().TrimEnd('/') + "/studies/", pixelUri, StringComparison.Ordinal);
        using (var forwarded = new HttpRequestMessage(HttpMethod.Get, url))
        {
            forwarded.Headers.Accept.ParseAdd(Json);
            forwarded.Headers.Host = "viewer.example.org:8443";
            using var response = await server.Client.SendAsync(forwarded);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"BulkDataURI\":\"http://viewer.example.org:8443/dicom-web/studies/", text, StringComparison.Ordinal);
            Assert.DoesNotContain(SeriesMetadataDocuments.BaseUrlPlaceholder, text, StringComparison.Ordinal);
        }

        // If-None-Match with the current ETag: 304 without a body.
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, url))
        {
            conditional.Headers.Accept.ParseAdd(Json);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", etag);
            using var response = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        // One more instance: a new version, built by parsing that instance only; the old ETag no longer matches.
        using (var stow = await server.StowAsync(File.ReadAllBytes(generated.FullPath(first[5]))))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, url))
        {
            conditional.Headers.Accept.ParseAdd(Json);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", etag);
            using var response = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var six = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(6, six.RootElement.GetArrayLength());
        }

        Assert.Equal(6, documents.InstancesParsed);

        // Study metadata joins the two series' documents: the second series is parsed once, then never again.
        var (studyBody, _) = await GetAsync(server, $"studies/{study}/metadata");
        Assert.Equal(generated.Instances.Count, studyBody.RootElement.GetArrayLength());
        Assert.Equal(12, documents.InstancesParsed);
        await GetAsync(server, $"studies/{study}/metadata");
        Assert.Equal(12, documents.InstancesParsed);

        // The rebuild keeps the current version only.
        var rebuilt = await documents.RebuildSeriesAsync(study, series);
        Assert.NotNull(rebuilt);
        Assert.Equal(2, (await DocumentNamesAsync(server, study, series)).Count);
        Assert.All(await DocumentNamesAsync(server, study, series), name => Assert.Contains($"/{rebuilt.Version}.", name, StringComparison.Ordinal));

        // After the series is deleted, a rebuild removes its documents.
        using (var delete = await server.Client.DeleteAsync($"studies/{study}/series/{series}"))
            Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        Assert.Null(await documents.RebuildSeriesAsync(study, series));
        Assert.Empty(await DocumentNamesAsync(server, study, series));
    }

    private static async Task<(JsonDocument Body, string ETag)> GetAsync(InProcessServer server, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd(Json);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {text}");
        return (JsonDocument.Parse(text), response.Headers.ETag!.Tag);
    }

    private static async Task<List<string>> DocumentNamesAsync(InProcessServer server, string study, string series)
    {
        var names = new List<string>();
        await foreach (var blob in Pacs.Storage.BlobStoreExtensions.ListAsync(server.Store, $"metadata/v1/{study}/{series}/"))
            names.Add(blob.Name);
        return names;
    }
}
