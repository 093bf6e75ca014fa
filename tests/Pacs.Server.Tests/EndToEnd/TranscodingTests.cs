using Pacs.Dicom;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>WADO-RS in Explicit VR Little Endian (the default) for objects stored in another uncompressed syntax or in RLE.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TranscodingTests(ServerPeers peers)
{
    public static TheoryData<Backend, string> Files => Backends.Cross("transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/MR_small_bigendian.dcm");

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Default_retrieve_sends_Explicit_VR_Little_Endian_with_the_same_pixels(Backend backend, string file)
    {
        await using var server = await peers.StartServerAsync(backend);
        var header = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(file))))
        {
            Assert.True(stow.IsSuccessStatusCode, await stow.Content.ReadAsStringAsync());
        }

        var path = $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}";
        var part = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/dicom\""));
        Assert.Contains("transfer-syntax=1.2.840.10008.1.2.1", part.ContentType, StringComparison.Ordinal);

        var received = await DicomFile.ReadAsync(new MemoryStream(part.Body));
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, received.TransferSyntax);
        Assert.Equal(header.GetString(DicomTag.SOPInstanceUID), received.Dataset.GetString(DicomTag.SOPInstanceUID));
        var expected = DicomPixelData.FromDataset(DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small.dcm")).Dataset).ReadFrame(0);
        Assert.Equal(expected, DicomPixelData.FromDataset(received.Dataset, received.TransferSyntax).ReadFrame(0));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task RLE_frames_asked_for_as_octet_stream_come_decoded(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend);
        const string file = "transfer-syntaxes/MR_small_RLE.dcm";
        var header = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;
        using (var stow = await server.StowAsync(File.ReadAllBytes(TestPaths.CorpusFile(file))))
        {
            Assert.True(stow.IsSuccessStatusCode);
        }

        var path = $"studies/{header.GetString(DicomTag.StudyInstanceUID)}/series/{header.GetString(DicomTag.SeriesInstanceUID)}/instances/{header.GetString(DicomTag.SOPInstanceUID)}/frames/1";
        var native = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.1"));
        Assert.Contains("transfer-syntax=1.2.840.10008.1.2.1", native.ContentType, StringComparison.Ordinal);
        var expected = DicomPixelData.FromDataset(DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small.dcm")).Dataset).ReadFrame(0);
        Assert.Equal(expected, native.Body);

        var stored = Assert.Single(await server.GetPartsAsync(path, "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*"));
        Assert.Contains("1.2.840.10008.1.2.5", stored.ContentType, StringComparison.Ordinal);
        Assert.NotEqual(expected, stored.Body);
    }
}
