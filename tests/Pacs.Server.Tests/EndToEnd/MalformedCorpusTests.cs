using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// Every file of malformed/ (MANIFEST.tsv category "malformed") is refused by STOW-RS under the default, strict ingest
/// policy, with a failure reason code and a Warning header naming the defect, and leaves nothing in the index or the
/// store; the three synthetic cases CASES.tsv calls valid ("accept") are stored.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class MalformedCorpusTests(ITestOutputHelper output, ServerPeers peers)
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Every_malformed_file_is_refused_naming_its_defect_and_leaves_nothing_behind(Backend backend)
    {
        var corpus = TestPaths.CorpusFile("");
        var files = File.ReadLines(Path.Combine(corpus, "MANIFEST.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(c => c.Length > 1 && c[1] == "malformed")
            .Select(c => c[0])
            .ToList();
        var valid = File.ReadLines(Path.Combine(corpus, "malformed", "synthetic", "CASES.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(c => c.Length >= 3 && c[2].Trim() == "accept")
            .Select(c => $"malformed/synthetic/{c[0]}")
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(files.Count >= 60, $"only {files.Count} malformed files in MANIFEST.tsv");
        Assert.Equal(3, valid.Count);

        await using var server = await peers.StartServerAsync(backend);
        foreach (var file in files)
        {
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(corpus, file)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var response = await server.Client.PostAsync("studies", content);
            var body = await response.Content.ReadAsStringAsync();
            if (valid.Contains(file))
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file} is valid: {(int)response.StatusCode} {body}");
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{file}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            var reason = json.RootElement.GetProperty("00081198").GetProperty("Value")[0].GetProperty("00081197").GetProperty("Value")[0].GetInt32();
            Assert.NotEqual(0, reason);
            var why = Assert.Single(response.Headers.GetValues("Warning"));
            Assert.Contains($"{reason:X4}H", why, StringComparison.Ordinal);
            Assert.True(why.Length > 40, $"{file}: the Warning header names no defect: {why}");
            output.WriteLine($"{file}: {why}");
        }

        // Only the valid objects are in the index and the store; no spooled part is left.
        var (blobs, rows) = await server.TracesAsync();
        Assert.Equal(valid.Count, blobs.Count);
        Assert.Equal(valid.Count, rows);
        Assert.Empty(server.SpoolFiles());
        using var search = await server.Client.GetAsync("instances");
        using var found = JsonDocument.Parse(await search.Content.ReadAsStringAsync());
        Assert.Equal(valid.Count, found.RootElement.GetArrayLength());
    }
}
