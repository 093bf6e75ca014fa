using System.Net;
using System.Text.Json;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>STOW-RS, QIDO-RS, WADO-RS and DELETE through real HTTP against the embedded configuration.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DicomWebRoundTripTests(ServerPeers peers)
{
    private const string AnyDicom = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";

    private static readonly string[] CorpusFiles =
    [
        "dicomdir/pydicom-dicomdirtests/77654033/CT2/17106",
        "dicomdir/pydicom-dicomdirtests/77654033/CT2/17136",
        "dicomdir/pydicom-dicomdirtests/77654033/CR1/6154",
        "multiframe/emri_small.dcm",
    ];

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Stowed_corpus_files_are_found_at_every_level_retrieved_byte_identical_and_gone_after_delete(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        await RoundTripAsync(server);
    }

    /// <summary>The scenario, for any configuration of the server (embedded here; PostgreSQL in <see cref="PostgresRoundTripTests"/>).</summary>
    internal static async Task RoundTripAsync(InProcessServer server)
    {
        var files = CorpusFiles.Select(f => File.ReadAllBytes(TestPaths.CorpusFile(f))).ToArray();
        var headers = CorpusFiles.Select(f => DicomFile.Open(TestPaths.CorpusFile(f)).Dataset).ToArray();

        using (var stow = await server.StowAsync(files))
        {
            var body = await stow.Content.ReadAsStringAsync();
            Assert.True(stow.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, body);
            using var json = JsonDocument.Parse(body);
            Assert.False(json.RootElement.TryGetProperty("00081198", out _), body);
            Assert.Equal(files.Length, json.RootElement.GetProperty("00081199").GetProperty("Value").GetArrayLength());
        }

        for (var i = 0; i < files.Length; i++)
        {
            var study = headers[i].GetString(DicomTag.StudyInstanceUID)!;
            var series = headers[i].GetString(DicomTag.SeriesInstanceUID)!;
            var sop = headers[i].GetString(DicomTag.SOPInstanceUID)!;

            // QIDO-RS at each level, at the top and nested.
            Assert.Contains(study, await QueryAsync(server, $"studies?StudyInstanceUID={study}", "0020000D"));
            Assert.Contains(series, await QueryAsync(server, $"studies/{study}/series", "0020000E"));
            Assert.Contains(series, await QueryAsync(server, $"series?SeriesInstanceUID={series}", "0020000E"));
            Assert.Contains(sop, await QueryAsync(server, $"studies/{study}/series/{series}/instances", "00080018"));
            Assert.Contains(sop, await QueryAsync(server, $"instances?SOPInstanceUID={sop}", "00080018"));

            // WADO-RS instance: the bytes as sent (the archive zeroes a preamble, docs/archive.md).
            var part = Assert.Single(await server.GetPartsAsync($"studies/{study}/series/{series}/instances/{sop}", AnyDicom));
            Assert.StartsWith("application/dicom", part.ContentType, StringComparison.Ordinal);
            Assert.Equal(AsStored(files[i]), part.Body);
        }

        // Study retrieve: every instance of the study, each byte-identical.
        var ctStudy = headers[0].GetString(DicomTag.StudyInstanceUID)!;
        var studyParts = await server.GetPartsAsync($"studies/{ctStudy}", AnyDicom);
        var expectedInStudy = files.Where((_, i) => headers[i].GetString(DicomTag.StudyInstanceUID) == ctStudy).Select(AsStored).ToList();
        Assert.Equal(expectedInStudy.Count, studyParts.Count);
        Assert.All(studyParts, p => Assert.Contains(expectedInStudy, e => e.AsSpan().SequenceEqual(p.Body)));

        await MetadataAndFramesAsync(server, headers[3], TestPaths.CorpusFile(CorpusFiles[3]));

        // Study metadata: one object per instance; asked again (from the metadata cache), the same document.
        var studyMetadata = await server.Client.GetStringAsync($"studies/{ctStudy}/metadata");
        using (var metadataJson = JsonDocument.Parse(studyMetadata))
        {
            Assert.Equal(expectedInStudy.Count, metadataJson.RootElement.GetArrayLength());
        }

        Assert.Equal(studyMetadata, await server.Client.GetStringAsync($"studies/{ctStudy}/metadata"));

        // DELETE, then gone from QIDO and WADO; a second DELETE finds nothing.
        using (var deleted = await server.Client.DeleteAsync($"studies/{ctStudy}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var search = await server.Client.GetAsync($"studies?StudyInstanceUID={ctStudy}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, search.StatusCode);
        }

        using (var retrieve = await server.Client.GetAsync($"studies/{ctStudy}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, retrieve.StatusCode);
            Assert.Equal("application/problem+json", retrieve.Content.Headers.ContentType?.MediaType);
        }

        using (var again = await server.Client.DeleteAsync($"studies/{ctStudy}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
    }

    private static async Task MetadataAndFramesAsync(InProcessServer server, DicomDataset header, string path)
    {
        var study = header.GetString(DicomTag.StudyInstanceUID)!;
        var series = header.GetString(DicomTag.SeriesInstanceUID)!;
        var sop = header.GetString(DicomTag.SOPInstanceUID)!;
        var instancePath = $"studies/{study}/series/{series}/instances/{sop}";

        // Metadata: DICOM JSON with the pixel data as a BulkDataURI that gives back the stored value.
        using var metadata = await server.Client.GetAsync($"{instancePath}/metadata");
        var text = await metadata.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        using var json = JsonDocument.Parse(text);
        var item = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(sop, item.GetProperty("00080018").GetProperty("Value")[0].GetString());
        var bulkDataUri = item.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString()!;
        Assert.StartsWith(server.Client.BaseAddress!.ToString(), bulkDataUri, StringComparison.Ordinal);
        var pixelData = await server.Client.GetByteArrayAsync(bulkDataUri);
        var pixels = DicomPixelData.FromDataset(DicomFile.Open(path).Dataset);
        Assert.Equal(pixels.FrameByteCount * pixels.NumberOfFrames, pixelData.Length);

        // ETag and If-None-Match: an unchanged document is not sent again.
        var etag = metadata.Headers.ETag;
        Assert.NotNull(etag);
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, $"{instancePath}/metadata");
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var notModified = await server.Client.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // Frames: each equals what the DICOM core reads from the original file.
        var frames = await server.GetPartsAsync($"{instancePath}/frames/1,3", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*");
        Assert.Equal(2, frames.Count);
        Assert.Equal(pixels.ReadFrame(0), frames[0].Body);
        Assert.Equal(pixels.ReadFrame(2), frames[1].Body);
        Assert.Equal(pixelData.AsSpan(0, (int)pixels.FrameByteCount).ToArray(), frames[0].Body);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Malformed_corpus_files_are_refused_with_a_reason_and_leave_no_trace(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var files = new[] { "malformed/no_meta.dcm", "malformed/MR_truncated.dcm" }.Select(f => File.ReadAllBytes(TestPaths.CorpusFile(f))).ToArray();

        using var stow = await server.StowAsync(files);
        var body = await stow.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, stow.StatusCode);
        using var json = JsonDocument.Parse(body);
        var failed = json.RootElement.GetProperty("00081198").GetProperty("Value");
        Assert.Equal(2, failed.GetArrayLength());
        foreach (var item in failed.EnumerateArray())
        {
            Assert.NotEqual(0, item.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        }

        using var search = await server.Client.GetAsync("instances");
        Assert.Equal(HttpStatusCode.NoContent, search.StatusCode);
        var (blobs, rows) = await server.TracesAsync();
        Assert.Empty(blobs);
        Assert.Equal(0, rows);
        Assert.Empty(server.SpoolFiles());
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Identical_resend_is_stored_once_and_answered_202_with_warning_45070(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        // A file with a zero preamble: its first store carries no warning (a non-zero one is zeroed with warning B000H).
        var file = File.ReadAllBytes(TestPaths.CorpusFile("multiframe/emri_small.dcm"));
        using (var first = await server.StowAsync(file))
        {
            Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        }

        using var second = await server.StowAsync(file);
        var body = await second.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using var json = JsonDocument.Parse(body);
        var item = Assert.Single(json.RootElement.GetProperty("00081199").GetProperty("Value").EnumerateArray());
        Assert.Equal(0xB00E, item.GetProperty("00081196").GetProperty("Value")[0].GetInt32());
        Assert.Single(await QueryAsync(server, "instances", "00080018"));
    }

    private static async Task<List<string>> QueryAsync(InProcessServer server, string path, string tag)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.EnumerateArray().Select(m => m.GetProperty(tag).GetProperty("Value")[0].GetString()!)];
    }

    /// <summary>The bytes the archive keeps: as sent, with a non-zero preamble zeroed (docs/archive.md).</summary>
    internal static byte[] AsStored(byte[] sent)
    {
        var expected = (byte[])sent.Clone();
        if (expected.Length >= 132 && expected.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            expected.AsSpan(0, 128).Clear();
        }

        return expected;
    }
}
