using System.Net;
using System.Text;
using System.Xml.Linq;
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

    /// <summary>No background rebuilds by the indexer (it would parse instances and read documents while a test counts).</summary>
    private const string NoIndexer = "--Pacs:Indexer:Enabled=false";

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Series_metadata_is_built_once_stored_and_served_without_parsing_the_instances_again(Backend backend)
    {
        using var generated = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "2",
            "--instances-per-series", "6", "--rows", "16", "--cols", "16", "--seed", "11");
        var first = generated.Instances.Where(i => i.SeriesNumber == generated.Instances[0].SeriesNumber).ToList();
        var study = first[0].StudyInstanceUid;
        var series = first[0].SeriesInstanceUid;
        // The indexer's refresher would rebuild documents in the background when a series goes quiet, and its parses
        // would count here: this test is about the builder on read, so no indexer runs.
        await using var server = await peers.StartServerAsync(backend, NoIndexer);
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

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_revalidation_is_answered_304_without_reading_the_document_and_xml_metadata_comes_from_the_document(Backend backend)
    {
        using var generated = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "2",
            "--instances-per-series", "4", "--rows", "16", "--cols", "16", "--seed", "12");
        var study = generated.Instances[0].StudyInstanceUid;
        var series = generated.Instances[0].SeriesInstanceUid;
        // No documents kept in memory: every body served is a read of the stored document, which the counter shows.
        await using var server = await peers.StartServerAsync(backend, NoIndexer, "--Pacs:Archive:MetadataCacheBytes=0");
        var documents = server.Services.GetRequiredService<SeriesMetadataDocuments>();
        using (var stow = await server.StowAsync([.. generated.Instances.Select(i => File.ReadAllBytes(generated.FullPath(i)))]))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);

        var url = $"studies/{study}/series/{series}/metadata";
        var (json, etag) = await GetAsync(server, url);
        Assert.Equal((4, 0L), (documents.InstancesParsed, documents.DocumentsRead)); // built, not read
        await GetAsync(server, url);
        Assert.Equal((4, 1L), (documents.InstancesParsed, documents.DocumentsRead));

        // RFC 9110 13.1.2: the ETag follows from the index alone, so a match costs no document read.
        for (int i = 0; i < 3; i++)
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
            conditional.Headers.Accept.ParseAdd(Json);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", {etag}");
            using var response = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Equal(etag, response.Headers.ETag!.Tag);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(1, documents.DocumentsRead);

        // PS3.18 10.4.1.1.2: the XML representation, one Native DICOM Model document per instance, is made from the
        // stored document (read once more) and parses no stored object; it says what the JSON says.
        const string xml = "multipart/related; type=\"application/dicom+xml\"";
        var parts = await server.GetPartsAsync(url, xml);
        Assert.Equal((4, 2L), (documents.InstancesParsed, documents.DocumentsRead));
        Assert.Equal(4, parts.Count);
        XNamespace ns = Pacs.Dicom.DicomXmlWriter.Namespace;
        var baseUrl = server.Client.BaseAddress!.ToString().TrimEnd('/');
        for (int i = 0; i < parts.Count; i++)
        {
            Assert.StartsWith("application/dicom+xml", parts[i].ContentType, StringComparison.Ordinal);
            var document = XDocument.Parse(Encoding.UTF8.GetString(parts[i].Body));
            string? Value(string tag) => document.Root!.Elements(ns + "DicomAttribute").Single(a => (string?)a.Attribute("tag") == tag).Element(ns + "Value")?.Value;
            var item = json.RootElement[i];
            Assert.Equal(item.GetProperty("00080018").GetProperty("Value")[0].GetString(), Value("00080018"));
            Assert.Equal(item.GetProperty("00100020").GetProperty("Value")[0].GetString(), Value("00100020"));
            var pixels = document.Root!.Elements(ns + "DicomAttribute").Single(a => (string?)a.Attribute("tag") == "7FE00010").Element(ns + "BulkData");
            Assert.Equal(item.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString(), (string?)pixels?.Attribute("uri"));
            Assert.StartsWith($"{baseUrl}/studies/{study}/series/{series}/instances/", (string?)pixels?.Attribute("uri"), StringComparison.Ordinal);
        }

        // Study metadata, JSON and XML, joins both series' documents: the second series is parsed once, when first asked.
        var (studyJson, studyEtag) = await GetAsync(server, $"studies/{study}/metadata");
        Assert.Equal(8, studyJson.RootElement.GetArrayLength());
        Assert.Equal(8, documents.InstancesParsed);
        Assert.Equal(8, (await server.GetPartsAsync($"studies/{study}/metadata", xml)).Count);
        Assert.Equal(8, documents.InstancesParsed);
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"studies/{study}/metadata"))
        {
            long read = documents.DocumentsRead;
            conditional.Headers.Accept.ParseAdd(Json);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", studyEtag);
            using var response = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Equal(read, documents.DocumentsRead);
        }

        // The JSON ETag does not validate the XML body (a different representation): it is sent in full.
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, url))
        {
            conditional.Headers.TryAddWithoutValidation("Accept", xml);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", etag);
            using var response = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
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
