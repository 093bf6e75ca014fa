using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>SIGKILL during uploads: after a restart every acknowledged instance is there and intact, and nothing visible is half-written.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output, ServerPeers peers)
{
    private const int Rounds = 4;

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Acknowledged_instances_survive_SIGKILL_during_uploads_and_nothing_visible_is_half_written(Backend backend)
    {
        // The same database and container across every restart: what the killed process left is what the next one finds.
        var settings = await peers.SettingsAsync(backend);
        var dataFolder = Path.Combine(Path.GetTempPath(), $"pacs-crash-test-{Guid.NewGuid():N}");
        var files = TestPaths.WellFormedCorpusFiles().Select(f => File.ReadAllBytes(TestPaths.CorpusFile(f))).Where(b => b.Length > 132).ToList();
        var sentBySop = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var acknowledged = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            var next = 0;
            for (var round = 0; round < Rounds; round++)
            {
                using var server = await ServerProcess.StartAsync(dataFolder, settings);
                using var client = new HttpClient { BaseAddress = server.ServiceRoot, Timeout = TimeSpan.FromSeconds(60) };
                await CheckEverythingVisibleIsIntactAsync(client, acknowledged, sentBySop);

                // Single-part stores, each acknowledged or not; the process is killed while one multipart upload is half sent.
                var batch = files.Skip(next).Take(files.Count / (Rounds + 1)).ToList();
                next += batch.Count;
                foreach (var bytes in batch.Take(batch.Count / 2))
                {
                    await StoreAsync(client, bytes, acknowledged, sentBySop);
                }

                var rest = batch.Skip(batch.Count / 2).ToList();
                await Assert.ThrowsAnyAsync<Exception>(() => client.PostAsync("studies", new KillingMultipart(rest, server).Init()));
            }

            using var last = await ServerProcess.StartAsync(dataFolder, settings);
            using var lastClient = new HttpClient { BaseAddress = last.ServiceRoot, Timeout = TimeSpan.FromSeconds(60) };
            var visible = await CheckEverythingVisibleIsIntactAsync(lastClient, acknowledged, sentBySop);
            output.WriteLine($"{acknowledged.Count} acknowledged, {visible} visible after {Rounds} kills");
            Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} instances were acknowledged");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    private static async Task StoreAsync(HttpClient client, byte[] bytes, Dictionary<string, byte[]> acknowledged, Dictionary<string, byte[]> sentBySop)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        using var response = await client.PostAsync("studies", content);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (json.RootElement.TryGetProperty("00081199", out var referenced))
        {
            var sop = referenced.GetProperty("Value")[0].GetProperty("00081155").GetProperty("Value")[0].GetString()!;
            acknowledged.TryAdd(sop, bytes);
            sentBySop.TryAdd(sop, bytes);
        }
    }

    /// <summary>Every acknowledged instance comes back byte-identical; every visible one is intact (equal to what was sent under its UID, or a readable object).</summary>
    private static async Task<int> CheckEverythingVisibleIsIntactAsync(HttpClient client, Dictionary<string, byte[]> acknowledged, Dictionary<string, byte[]> sentBySop)
    {
        using var search = await client.GetAsync("instances?limit=10000");
        var visible = new List<(string Study, string Series, string Sop)>();
        if (search.StatusCode == HttpStatusCode.OK)
        {
            using var json = JsonDocument.Parse(await search.Content.ReadAsStringAsync());
            visible.AddRange(json.RootElement.EnumerateArray().Select(m => (Uid(m, "0020000D"), Uid(m, "0020000E"), Uid(m, "00080018"))));
        }

        foreach (var sop in acknowledged.Keys)
        {
            Assert.Contains(visible, v => v.Sop == sop);
        }

        foreach (var (study, series, sop) in visible)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"studies/{study}/series/{series}/instances/{sop}");
            request.Headers.TryAddWithoutValidation("Accept", "application/dicom; transfer-syntax=*");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (acknowledged.TryGetValue(sop, out var sent))
            {
                Assert.Equal(DicomWebRoundTripTests.AsStored(sent), body);
            }
            else
            {
                // Committed before the kill but never acknowledged: still whole and readable.
                Assert.Equal(sop, DicomFile.Read(new MemoryStream(body)).SopInstanceUid);
            }
        }

        return visible.Count;
    }

    private static string Uid(JsonElement match, string tag) => match.TryGetProperty(tag, out var e) && e.TryGetProperty("Value", out var v) ? v[0].GetString()! : throw new Xunit.Sdk.XunitException($"QIDO-RS match without {tag}: {match.GetRawText()}");

    /// <summary>A multipart/related body that kills the server after writing half of its parts, so the upload breaks mid-stream.</summary>
    private sealed class KillingMultipart(List<byte[]> parts, ServerProcess server) : HttpContent
    {
        public KillingMultipart Init()
        {
            Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=crash");
            return this;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < parts.Count; i++)
            {
                if (i == parts.Count / 2)
                {
                    await stream.FlushAsync();
                    server.Kill();
                }

                await stream.WriteAsync("--crash\r\nContent-Type: application/dicom\r\n\r\n"u8.ToArray());
                await stream.WriteAsync(parts[i]);
                await stream.WriteAsync("\r\n"u8.ToArray());
            }

            await stream.WriteAsync("--crash--\r\n"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
