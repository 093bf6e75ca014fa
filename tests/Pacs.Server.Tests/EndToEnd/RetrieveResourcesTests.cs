using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Pacs.Testing;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// Byte ranges of a retrieved instance (RFC 9110 14), the change feed's paging, and rendered study, series and frame
/// lists as multipart/related images (PS3.18 10.4.1.1.3).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RetrieveResourcesTests(ServerPeers peers)
{
    private const string MultiFrame = "multiframe/emri_small.dcm";

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task An_instance_retrieved_as_application_dicom_honours_one_byte_range(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var sent = await File.ReadAllBytesAsync(TestPaths.CorpusFile(MultiFrame));
        using (var stow = await server.StowAsync(sent))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
        var url = InstanceUrl(DicomFile.Open(TestPaths.CorpusFile(MultiFrame)).Dataset);

        using var whole = await SendAsync(server, url, "application/dicom");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        var etag = whole.Headers.ETag!.Tag;

        using var prefix = await SendAsync(server, url, "application/dicom", r => r.Headers.Range = new RangeHeaderValue(128, 131));
        Assert.Equal(HttpStatusCode.PartialContent, prefix.StatusCode);
        Assert.Equal("DICM"u8.ToArray(), await prefix.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 128-131/{sent.Length}", prefix.Content.Headers.ContentRange!.ToString());

        using var suffix = await SendAsync(server, url, "application/dicom", r => r.Headers.Range = new RangeHeaderValue(null, 100));
        Assert.Equal(HttpStatusCode.PartialContent, suffix.StatusCode);
        Assert.Equal(sent[^100..], await suffix.Content.ReadAsByteArrayAsync());

        // If-Range naming this version keeps the range; another version gets the whole object.
        using var same = await SendAsync(server, url, "application/dicom", r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.TryAddWithoutValidation("If-Range", etag);
        });
        Assert.Equal(HttpStatusCode.PartialContent, same.StatusCode);
        using var other = await SendAsync(server, url, "application/dicom", r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.TryAddWithoutValidation("If-Range", "\"another-version\"");
        });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(sent.Length, (await other.Content.ReadAsByteArrayAsync()).Length);

        using var beyond = await SendAsync(server, url, "application/dicom", r => r.Headers.Range = new RangeHeaderValue(sent.Length + 10, null));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        Assert.Contains("outside", await beyond.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_change_feed_pages_forward_with_a_next_link_and_tells_its_latest_position(Backend backend)
    {
        using var generated = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1",
            "--instances-per-series", "5", "--rows", "16", "--cols", "16", "--seed", "21");
        await using var server = await peers.StartServerAsync(backend);
        using (var empty = JsonDocument.Parse(await server.Client.GetStringAsync("changefeed/latest")))
            Assert.Equal(0, empty.RootElement.GetProperty("sequence").GetInt64());
        foreach (var instance in generated.Instances)
        {
            using var stow = await server.StowAsync(await File.ReadAllBytesAsync(generated.FullPath(instance)));
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
        }

        var seen = new List<string>();
        var next = "changefeed?limit=2";
        var pages = 0;
        while (next is not null && pages++ < 10)
        {
            using var page = await server.Client.GetAsync(next.TrimStart('/').Replace("dicom-web/", "", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            using var json = JsonDocument.Parse(await page.Content.ReadAsStringAsync());
            seen.AddRange(json.RootElement.EnumerateArray().Select(e => e.GetProperty("sopInstanceUid").GetString()!));
            next = page.Headers.TryGetValues("Link", out var links) ? links.Single().Split('>')[0].TrimStart('<') : null;
        }

        // Pages of 2, 2, 1 (the last is not full, so it has no next link): every creation once, in order.
        Assert.Equal(3, pages);
        Assert.Equal(generated.Instances.Select(i => i.SopInstanceUid), seen);

        using var latest = JsonDocument.Parse(await server.Client.GetStringAsync("changefeed/latest"));
        var position = latest.RootElement.GetProperty("sequence").GetInt64();
        using var after = JsonDocument.Parse(await server.Client.GetStringAsync($"changefeed?after={position}"));
        Assert.Equal(0, after.RootElement.GetArrayLength());

        // since= is the same cursor as after=.
        var bySince = await server.Client.GetStringAsync($"changefeed?since={position - 2}");
        var byAfter = await server.Client.GetStringAsync($"changefeed?after={position - 2}");
        Assert.Equal(byAfter, bySince);
        using (var two = JsonDocument.Parse(bySince))
            Assert.Equal(2, two.RootElement.GetArrayLength());
        using var both = await server.Client.GetAsync("changefeed?after=1&since=1");
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Study_series_and_frame_list_rendered_resources_answer_one_image_part_per_frame(Backend backend)
    {
        using var generated = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "2",
            "--instances-per-series", "3", "--rows", "16", "--cols", "16", "--seed", "22");
        await using var server = await peers.StartServerAsync(backend);
        using (var stow = await server.StowAsync([.. generated.Instances.Select(i => File.ReadAllBytes(generated.FullPath(i)))]))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
        var study = generated.Instances[0].StudyInstanceUid;
        var series = generated.Instances[0].SeriesInstanceUid;

        var seriesParts = await server.GetPartsAsync($"studies/{study}/series/{series}/rendered", "image/png");
        Assert.Equal(3, seriesParts.Count);
        Assert.All(seriesParts, p => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], p.Body[..4]));
        Assert.All(seriesParts, p => Assert.StartsWith("image/png", p.ContentType, StringComparison.Ordinal));

        // A multipart/related Accept names the image type in its type parameter; the default is JPEG.
        var studyParts = await server.GetPartsAsync($"studies/{study}/rendered", "multipart/related; type=\"image/jpeg\"");
        Assert.Equal(generated.Instances.Count, studyParts.Count);
        Assert.All(studyParts, p => Assert.Equal([0xFF, 0xD8], p.Body[..2]));
        Assert.Equal(6, (await server.GetPartsAsync($"studies/{study}/rendered?accept=image%2Fpng", "image/jpeg"))
            .Count(p => p.Body.AsSpan(0, 4).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })));

        // A list of frames of a multi-frame instance.
        using (var stow = await server.StowAsync(await File.ReadAllBytesAsync(TestPaths.CorpusFile(MultiFrame))))
            Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
        var frames = await server.GetPartsAsync($"{InstanceUrl(DicomFile.Open(TestPaths.CorpusFile(MultiFrame)).Dataset)}/frames/1,5,10/rendered", "image/jpeg");
        Assert.Equal(3, frames.Count);
        Assert.All(frames, p => Assert.Equal([0xFF, 0xD8], p.Body[..2]));
        // The multi-frame instance rendered: its first frame as one image, or every frame when multipart is asked for.
        var instanceUrl = InstanceUrl(DicomFile.Open(TestPaths.CorpusFile(MultiFrame)).Dataset);
        using (var single = await SendAsync(server, $"{instanceUrl}/rendered", "image/jpeg"))
            Assert.Equal("image/jpeg", single.Content.Headers.ContentType!.MediaType);
        Assert.Equal(10, (await server.GetPartsAsync($"{instanceUrl}/rendered", "multipart/related; type=\"image/jpeg\"")).Count);

        using var missing = await SendAsync(server, $"{InstanceUrl(DicomFile.Open(TestPaths.CorpusFile(MultiFrame)).Dataset)}/frames/1,11/rendered", "image/jpeg");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no frame 11", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string InstanceUrl(DicomDataset header) =>
        $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}";

    private static async Task<HttpResponseMessage> SendAsync(InProcessServer server, string url, string accept, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        configure?.Invoke(request);
        return await server.Client.SendAsync(request);
    }
}
