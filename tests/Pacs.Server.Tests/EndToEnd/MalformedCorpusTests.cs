using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>The synthetic malformed cases whose expected handling is an unconditional "reject" (malformed/synthetic/CASES.tsv).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class MalformedCorpusTests(ITestOutputHelper output, ServerPeers peers)
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Every_case_to_reject_is_refused_with_a_failure_reason_and_leaves_nothing_behind(Backend backend)
    {
        var folder = TestPaths.CorpusFile("malformed/synthetic");
        var cases = File.ReadLines(Path.Combine(folder, "CASES.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(c => c.Length >= 3 && c[2].StartsWith("reject", StringComparison.Ordinal) && !c[2].Contains(" or ", StringComparison.Ordinal))
            .Select(c => c[0])
            .ToList();
        Assert.True(cases.Count >= 10, $"only {cases.Count} cases to reject in CASES.tsv");

        await using var server = await peers.StartServerAsync(backend);
        foreach (var file in cases)
        {
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, file)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var response = await server.Client.PostAsync("studies", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{file}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            var reason = json.RootElement.GetProperty("00081198").GetProperty("Value")[0].GetProperty("00081197").GetProperty("Value")[0].GetInt32();
            Assert.NotEqual(0, reason);
            output.WriteLine($"{file}: {reason:X4}");
        }

        using var search = await server.Client.GetAsync("instances");
        Assert.Equal(HttpStatusCode.NoContent, search.StatusCode);
        var (blobs, rows) = await server.TracesAsync();
        Assert.Empty(blobs);
        Assert.Equal(0, rows);
        Assert.Empty(server.SpoolFiles());
    }
}
