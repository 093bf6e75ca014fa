using System.Net;
using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>Rendered frames and thumbnails over HTTP: JPEG by default, PNG when asked, the accept query parameter first.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class RenderedTests(ServerPeers peers)
{
    public static TheoryData<Backend, string> Files => Backends.Cross("multiframe/emri_small.dcm", "multiframe/SC_rgb_rle_2frame.dcm");

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Frame_renders_as_jpeg_by_default_and_png_when_the_accept_parameter_says_so(Backend backend, string file)
    {
        await using var server = await peers.StartServerAsync(backend);
        var header = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(file))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var instance = $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}";
        using (var jpeg = await server.Client.GetAsync($"{instance}/frames/2/rendered"))
        {
            var bytes = await jpeg.Content.ReadAsByteArrayAsync();
            Assert.True(jpeg.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(bytes));
            Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0xFF, 0xD8], bytes[..2]);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{instance}/rendered?accept=image/png&viewport=16,16");
        request.Headers.Accept.ParseAdd("image/jpeg");
        using var png = await server.Client.SendAsync(request);
        var pngBytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PngSignature, pngBytes[..8]);
        Assert.Equal(16, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(pngBytes.AsSpan(16, 4)));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Study_and_series_thumbnails_render_their_first_instance(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        const string file = "multiframe/emri_small.dcm";
        var header = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(file))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var study = header.GetString(DicomTag.StudyInstanceUID);
        foreach (var path in new[] { $"studies/{study}/thumbnail", $"studies/{study}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/thumbnail" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        }

        using var bad = await server.Client.GetAsync($"studies/{study}/thumbnail?window=abc");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
