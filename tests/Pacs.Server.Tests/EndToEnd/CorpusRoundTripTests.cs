using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>The whole well-formed corpus goes in by STOW-RS and comes back byte-identical by WADO-RS (issue 3, section 5).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CorpusRoundTripTests(ITestOutputHelper output, ServerPeers peers)
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Every_well_formed_corpus_file_is_stored_and_retrieved_byte_identical_or_refused_with_a_reason(Backend backend)
    {
        // Several corpus files are transcodings of one object under one SOP Instance UID: each replaces the previous.
        await using var server = await peers.StartServerAsync(backend, "--Pacs:Archive:DuplicatePolicy=Replace");
        var files = TestPaths.WellFormedCorpusFiles().ToList();
        int stored = 0, refused = 0;
        foreach (var file in files)
        {
            var sent = await File.ReadAllBytesAsync(TestPaths.CorpusFile(file));
            var content = new ByteArrayContent(sent);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var stow = await server.Client.PostAsync("studies", content);
            var body = await stow.Content.ReadAsStringAsync();
            using var json = JsonDocument.Parse(body);
            if (stow.StatusCode == HttpStatusCode.Conflict)
            {
                refused++;
                var reason = json.RootElement.GetProperty("00081198").GetProperty("Value")[0].GetProperty("00081197").GetProperty("Value")[0].GetInt32();
                Assert.NotEqual(0, reason);
                output.WriteLine($"refused {file}: {reason:X4}");
                continue;
            }

            Assert.True(stow.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{file}: {(int)stow.StatusCode} {body}");
            var retrieveUrl = json.RootElement.GetProperty("00081199").GetProperty("Value")[0].GetProperty("00081190").GetProperty("Value")[0].GetString()!;
            var part = Assert.Single(await server.GetPartsAsync(retrieveUrl, "multipart/related; type=\"application/dicom\"; transfer-syntax=*"));
            Assert.True(DicomWebRoundTripTests.AsStored(sent).AsSpan().SequenceEqual(part.Body), $"{file} came back different");
            stored++;
        }

        output.WriteLine($"{stored} stored, {refused} refused of {files.Count}");
        Assert.True(stored >= files.Count * 3 / 4, $"only {stored} of {files.Count} corpus files were stored");
    }
}
