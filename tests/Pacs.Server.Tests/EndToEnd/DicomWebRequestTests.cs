using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>The request forms besides the round trip: single-part STOW, study mismatch, query errors and XML, byte ranges, the change feed.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DicomWebRequestTests(ServerPeers peers)
{
    private const string File1 = "multiframe/emri_small.dcm";

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Single_application_dicom_body_is_stored_and_one_for_another_study_is_refused_with_A901(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var bytes = File.ReadAllBytes(TestPaths.CorpusFile(File1));
        var study = DicomFile.Open(TestPaths.CorpusFile(File1)).Dataset.GetString(DicomTag.StudyInstanceUID)!;

        using (var wrong = await PostSingleAsync(server, "studies/1.2.3.4", bytes))
        {
            var body = await wrong.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
            using var json = JsonDocument.Parse(body);
            var failed = Assert.Single(json.RootElement.GetProperty("00081198").GetProperty("Value").EnumerateArray());
            Assert.Equal(0xA901, failed.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        }

        using (var right = await PostSingleAsync(server, $"studies/{study}", bytes))
        {
            Assert.True(right.StatusCode == HttpStatusCode.OK, await right.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Unsupported_body_type_is_415_problem(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        using var response = await server.Client.PostAsync("studies", new StringContent("{}", null, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Malformed_query_value_is_400_naming_the_attribute(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        using var response = await server.Client.GetAsync("studies?StudyDate=yesterday");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("StudyDate", body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Query_answers_multipart_DICOM_XML_when_asked(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(File1))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var parts = await server.GetPartsAsync("studies", "multipart/related; type=\"application/dicom+xml\"");
        var part = Assert.Single(parts);
        Assert.StartsWith("application/dicom+xml", part.ContentType, StringComparison.Ordinal);
        Assert.Contains("NativeDicomModel", System.Text.Encoding.UTF8.GetString(part.Body), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Bulk_data_honours_a_byte_range_with_206(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var header = DicomFile.Open(TestPaths.CorpusFile(File1)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(File1))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var path = $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}";
        using var metadata = JsonDocument.Parse(await server.Client.GetStringAsync($"{path}/metadata"));
        var uri = metadata.RootElement[0].GetProperty("7FE00010").GetProperty("BulkDataURI").GetString()!;
        var whole = await server.Client.GetByteArrayAsync(uri);

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Range = new RangeHeaderValue(10, 109);
        using var partial = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 10-109/{whole.Length}", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(whole.AsSpan(10, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Change_feed_lists_creation_then_deletion_in_order(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var header = DicomFile.Open(TestPaths.CorpusFile(File1)).Dataset;
        var sop = header.GetString(DicomTag.SOPInstanceUID);
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(File1))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        using (var deleted = await server.Client.DeleteAsync($"studies/{header.GetString(DicomTag.StudyInstanceUID)}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var feed = JsonDocument.Parse(await server.Client.GetStringAsync("changefeed"));
        var entries = feed.RootElement.EnumerateArray().ToList();
        Assert.Equal(["Created", "Deleted"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(sop, e.GetProperty("sopInstanceUid").GetString()));
        Assert.True(entries[0].GetProperty("sequence").GetInt64() < entries[1].GetProperty("sequence").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Query_matches_wildcards_and_fuzzy_names_and_pages_with_a_warning(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        string[] files = ["dicomdir/pydicom-dicomdirtests/77654033/CT2/17106", "multiframe/emri_small.dcm"];
        using (var stow = await server.StowAsync([.. files.Select(f => File.ReadAllBytes(TestPaths.CorpusFile(f)))]))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var name = DicomFile.Open(TestPaths.CorpusFile(files[0])).Dataset.GetPersonName(DicomTag.PatientName)!.ToString()!;
        var family = name.Split('^')[0];
        Assert.Single(await StudiesAsync(server, $"studies?PatientName={Uri.EscapeDataString(family[..2])}*"));
        Assert.Single(await StudiesAsync(server, $"studies?PatientName={Uri.EscapeDataString(family[..2].ToLowerInvariant())}&fuzzymatching=true"));
        Assert.Empty(await StudiesAsync(server, $"studies?PatientName={Uri.EscapeDataString(family[..2].ToLowerInvariant())}*"));

        using var page = await server.Client.GetAsync("studies?limit=1");
        Assert.Single(JsonDocument.Parse(await page.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
        Assert.Contains(page.Headers.GetValues("Warning"), w => w.Contains("additional results", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Cors_preflight_from_a_configured_origin_allows_GET_with_Accept_and_Authorization(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend, "--DicomWeb:Cors:AllowedOrigins:0=http://viewer.example");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "studies");
        preflight.Headers.Add("Origin", "http://viewer.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "accept,authorization");
        using var answer = await server.Client.SendAsync(preflight);
        Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode}");
        Assert.Equal("http://viewer.example", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));

        using var get = new HttpRequestMessage(HttpMethod.Get, "studies");
        get.Headers.Add("Origin", "http://viewer.example");
        using var response = await server.Client.SendAsync(get);
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.Equal("http://viewer.example", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Query_key_the_index_cannot_match_is_ignored_with_a_Warning_header(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(File1))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        // Image Comments (0020,4000) is an instance attribute: not a matching key of the study level.
        using var response = await server.Client.GetAsync("studies?ImageComments=x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.StartsWith("299", StringComparison.Ordinal) && w.Contains("00204000", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Delete_of_an_instance_keeps_its_neighbours_and_delete_of_the_series_removes_them(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        string[] files = ["dicomdir/pydicom-dicomdirtests/77654033/CT2/17106", "dicomdir/pydicom-dicomdirtests/77654033/CT2/17136"];
        var headers = files.Select(f => DicomFile.Open(TestPaths.CorpusFile(f)).Dataset).ToArray();
        Assert.Equal(headers[0].GetString(DicomTag.SeriesInstanceUID), headers[1].GetString(DicomTag.SeriesInstanceUID));
        using (var stow = await server.StowAsync([.. files.Select(f => File.ReadAllBytes(TestPaths.CorpusFile(f)))]))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var series = $"studies/{headers[0].GetString(DicomTag.StudyInstanceUID)}/series/{headers[0].GetString(DicomTag.SeriesInstanceUID)}";
        using (var one = await server.Client.DeleteAsync($"{series}/instances/{headers[0].GetString(DicomTag.SOPInstanceUID)}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, one.StatusCode);
        }

        var left = await StudiesAsync(server, $"{series}/instances");
        Assert.Equal(headers[1].GetString(DicomTag.SOPInstanceUID), Assert.Single(left).GetProperty("00080018").GetProperty("Value")[0].GetString());

        using (var all = await server.Client.DeleteAsync(series))
        {
            Assert.Equal(HttpStatusCode.NoContent, all.StatusCode);
        }

        Assert.Empty(await StudiesAsync(server, "instances"));
        using var gone = await server.Client.DeleteAsync(series);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Metadata_comes_as_multipart_DICOM_XML_with_BulkData_URIs_when_asked(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var header = DicomFile.Open(TestPaths.CorpusFile(File1)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(File1))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var parts = await server.GetPartsAsync($"studies/{header.GetString(DicomTag.StudyInstanceUID)}/metadata", "multipart/related; type=\"application/dicom+xml\"");
        var xml = System.Text.Encoding.UTF8.GetString(Assert.Single(parts).Body);
        Assert.Contains(header.GetString(DicomTag.SOPInstanceUID)!, xml, StringComparison.Ordinal);
        Assert.Contains("BulkData", xml, StringComparison.Ordinal);
        Assert.Contains(server.Client.BaseAddress!.ToString(), xml, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> StudiesAsync(InProcessServer server, string path)
    {
        using var response = await server.Client.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return [];
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray()];
    }

    private static async Task<HttpResponseMessage> PostSingleAsync(InProcessServer server, string path, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        return await server.Client.SendAsync(request);
    }
}
