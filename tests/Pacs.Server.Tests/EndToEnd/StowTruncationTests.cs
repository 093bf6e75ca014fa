using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// STOW-RS bodies that end early. A body that ends (the client finished sending) inside a part or without its close
/// delimiter: the parts completed before are stored and reported, the cut one fails with 0110H, 202. A connection that
/// drops: nothing half-written remains.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class StowTruncationTests(ServerPeers peers)
{
    private const string Whole1 = "dicomdir/pydicom-dicomdirtests/77654033/CT2/17106";
    private const string Whole2 = "dicomdir/pydicom-dicomdirtests/77654033/CT2/17136";
    private const string Cut = "multiframe/emri_small.dcm";

    public static TheoryData<Backend, bool> Cuts => Backends.Cross(true, false);

    /// <param name="insidePart">True: the body ends halfway through the third part; false: it ends after the third part's
    /// bytes with no delimiter after them (the close delimiter never comes).</param>
    [Theory]
    [MemberData(nameof(Cuts))]
    public async Task Body_that_ends_early_keeps_the_completed_parts_and_fails_the_cut_one_with_0110H_and_202(Backend backend, bool insidePart)
    {
        await using var server = await peers.StartServerAsync(backend);
        var cut = File.ReadAllBytes(TestPaths.CorpusFile(Cut));
        using var body = new MemoryStream();
        Write(body, "--cut\r\nContent-Type: application/dicom\r\n\r\n");
        body.Write(File.ReadAllBytes(TestPaths.CorpusFile(Whole1)));
        Write(body, "\r\n--cut\r\nContent-Type: application/dicom\r\n\r\n");
        body.Write(File.ReadAllBytes(TestPaths.CorpusFile(Whole2)));
        Write(body, "\r\n--cut\r\nContent-Type: application/dicom\r\n\r\n");
        body.Write(cut, 0, insidePart ? cut.Length / 2 : cut.Length);
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=cut");

        using var response = await server.Client.PostAsync("studies", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        var stored = json.RootElement.GetProperty("00081199").GetProperty("Value").EnumerateArray()
            .Select(i => i.GetProperty("00081155").GetProperty("Value")[0].GetString()).ToList();
        Assert.Equal([Sop(Whole1), Sop(Whole2)], stored);
        var failed = Assert.Single(json.RootElement.GetProperty("00081198").GetProperty("Value").EnumerateArray());
        Assert.Equal(0x0110, failed.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.StartsWith("299", StringComparison.Ordinal) && w.Contains("cut off", StringComparison.Ordinal));

        // The completed parts are there; nothing of the cut one is, in the index, the store or the spool.
        foreach (var sop in new[] { Sop(Whole1), Sop(Whole2) })
        {
            using var found = await server.Client.GetAsync($"instances?SOPInstanceUID={sop}");
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        }

        using var search = await server.Client.GetAsync($"instances?SOPInstanceUID={Sop(Cut)}");
        Assert.Equal(HttpStatusCode.NoContent, search.StatusCode);
        var (blobs, rows) = await server.TracesAsync();
        Assert.Equal(2, blobs.Count);
        Assert.Equal(2, rows);
        Assert.Empty(server.SpoolFiles());
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Body_with_no_part_at_all_is_a_400_problem(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        var content = new ByteArrayContent("no delimiter here"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=cut");
        using var response = await server.Client.PostAsync("studies", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Connection_dropped_in_the_middle_of_a_part_leaves_nothing_half_written(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        // A part large enough to spill to a spool file (over 1 MiB), so a half-received one would be visible there.
        var big = await BigInstanceAsync();
        using var body = new MemoryStream();
        Write(body, "--cut\r\nContent-Type: application/dicom\r\n\r\n");
        body.Write(File.ReadAllBytes(TestPaths.CorpusFile(Whole1)));
        Write(body, "\r\n--cut\r\nContent-Type: application/dicom\r\n\r\n");
        var head = body.ToArray();
        var declaredLength = head.Length + big.Length + "\r\n--cut--\r\n".Length;

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var root = server.Client.BaseAddress!;
            await socket.ConnectAsync(root.Host, root.Port);
            var headers = $"POST {root.AbsolutePath}studies HTTP/1.1\r\nHost: {root.Authority}\r\nContent-Type: multipart/related; type=\"application/dicom\"; boundary=cut\r\n" +
                $"Accept: application/dicom+json\r\nContent-Length: {declaredLength}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(headers));
            await socket.SendAsync(head);
            await socket.SendAsync(big.AsMemory(0, big.Length * 3 / 4));

            // Wait until the server has spooled into a file (so the drop happens mid-part, with bytes on disk), then reset.
            await PollAsync(() => server.SpoolFiles().Count > 0, "the upload to reach the server");
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }

        // The server notices the drop and cleans up: no spool file, no row in status Creating, no blob without its row.
        var database = server.Services.GetRequiredService<ArchiveDatabase>();
        await PollAsync(() => server.SpoolFiles().Count == 0, "the spool file of the dropped part to go");
        await PollAsync(async () =>
        {
            await using var db = database.CreateContext();
            return !db.Instances.Any(i => i.Status != InstanceStatus.Created);
        }, "no instance row to be left in status Creating");

        await using (var db = database.CreateContext())
        {
            var rows = db.Instances.Select(i => new { i.SopInstanceUid, i.BlobName, i.SizeBytes }).ToList();
            var (blobs, _) = await server.TracesAsync();
            Assert.Equal(rows.Select(r => r.BlobName).Order(), blobs.Order());
            Assert.DoesNotContain(rows, r => r.SopInstanceUid == DicomFile.Read(new MemoryStream(big)).SopInstanceUid);
            // The part completed before the drop is either stored whole or not at all.
            foreach (var row in rows)
            {
                await using var stored = await server.Store.OpenReadAsync(row.BlobName);
                using var copy = new MemoryStream();
                await stored.CopyToAsync(copy);
                Assert.Equal(row.SizeBytes, copy.Length);
            }
        }
    }

    private static string Sop(string file) => DicomFile.Open(TestPaths.CorpusFile(file)).Dataset.GetString(DicomTag.SOPInstanceUID)!;

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));

    /// <summary>A 2.5 MB instance: one of the corpus' CT files with its pixel data replaced by a large one.</summary>
    private static async Task<byte[]> BigInstanceAsync()
    {
        var file = DicomFile.Open(TestPaths.CorpusFile(Whole2));
        var dataset = file.Dataset.Clone();
        dataset.Set(DicomTag.SOPInstanceUID, "1.2.826.0.1.3680043.8.498.1.99887766");
        dataset.SetValues(DicomTag.Rows, DicomVR.US, (ushort)1024);
        dataset.SetValues(DicomTag.Columns, DicomVR.US, (ushort)1280);
        dataset.SetValues(DicomTag.BitsAllocated, DicomVR.US, (ushort)16);
        dataset.SetValues(DicomTag.SamplesPerPixel, DicomVR.US, (ushort)1);
        dataset.Remove(DicomTag.NumberOfFrames);
        var pixels = new byte[1024 * 1280 * 2];
        new Random(7).NextBytes(pixels);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels));
        using var output = new MemoryStream();
        await new DicomFile(file.FileMetaInformation, dataset) { TransferSyntax = file.TransferSyntax }.WriteAsync(output);
        return output.ToArray();
    }

    private static Task PollAsync(Func<bool> condition, string what) => PollAsync(() => Task.FromResult(condition()), what);

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(20);
        }
    }
}
