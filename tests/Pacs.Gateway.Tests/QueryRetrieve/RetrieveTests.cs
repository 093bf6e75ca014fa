using System.Globalization;
using System.Text.RegularExpressions;
using Pacs.Dicom;

namespace Pacs.Gateway.Tests.QueryRetrieve;

[Collection(QueryRetrieveCollection.Name)]
public sealed partial class RetrieveTests(QueryRetrieveFixture fixture)
{
    private IReadOnlyList<GeneratedInstance> Instances => fixture.Studies.Instances;

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Cmove_of_a_study_stores_every_instance_at_the_destination_and_reports_the_counts(ArchiveAccess access)
    {
        var study = Instances[0].StudyInstanceUid;
        var expected = Instances.Where(i => i.StudyInstanceUid == study).ToList();
        using var received = new TempFolder();
        DcmtkResult result;
        using (StartStoreScp(received.Path))
        {
            result = await MoveAsync(fixture.Port(access), QueryRetrieveFixture.DestinationAe, "-S", ["QueryRetrieveLevel=STUDY", $"StudyInstanceUID={study}"]);
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0x0000", QueryTools.FinalStatus(result));
        Assert.Equal(expected.Count, FinalCount(result.Output, "Completed"));
        Assert.Equal(0, FinalCount(result.Output, "Failed"));
        Assert.Equal(expected.Count - 1, FirstCount(result.Output, "Remaining"));
        AssertReceived(received.Path, expected);
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Cmove_at_image_level_with_a_uid_list_sends_only_those_instances(ArchiveAccess access)
    {
        var chosen = new[] { Instances[3], Instances[7], Instances[20] };
        using var received = new TempFolder();
        DcmtkResult result;
        using (StartStoreScp(received.Path))
        {
            result = await MoveAsync(fixture.Port(access), QueryRetrieveFixture.DestinationAe, "-P",
                ["QueryRetrieveLevel=IMAGE", $"PatientID={chosen[0].PatientId}", $"StudyInstanceUID={chosen[0].StudyInstanceUid}", $"SeriesInstanceUID={chosen[0].SeriesInstanceUid}",
                 $"SOPInstanceUID={chosen[0].SopInstanceUid}"]);
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(1, FinalCount(result.Output, "Completed"));
        AssertReceived(received.Path, [chosen[0]]);

        using var received2 = new TempFolder();
        using (StartStoreScp(received2.Path))
        {
            result = await MoveAsync(fixture.Port(access), QueryRetrieveFixture.DestinationAe, "-S",
                ["QueryRetrieveLevel=IMAGE", $"SOPInstanceUID={string.Join('\\', chosen.Select(c => c.SopInstanceUid))}"]);
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, FinalCount(result.Output, "Completed"));
        AssertReceived(received2.Path, chosen);
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Cmove_converts_rle_objects_for_a_destination_that_accepts_only_uncompressed_data(ArchiveAccess access)
    {
        var expected = fixture.RleStudy.Instances;
        Assert.All(expected, i => Assert.Equal(DicomTransferSyntax.RLELossless.Uid, i.TransferSyntaxUid));
        using var received = new TempFolder();
        DcmtkResult result;
        using (StartStoreScp(received.Path))
        {
            result = await MoveAsync(fixture.Port(access), QueryRetrieveFixture.DestinationAe, "-P",
                ["QueryRetrieveLevel=PATIENT", $"PatientID={QueryRetrieveFixture.RlePatientId}"]);
        }

        Assert.Equal("0x0000", QueryTools.FinalStatus(result));
        Assert.Equal(expected.Count, FinalCount(result.Output, "Completed"));
        AssertReceived(received.Path, expected);
        foreach (var path in Directory.GetFiles(received.Path))
        {
            var file = DicomFile.Open(path);
            Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, file.FileMetaInformation.GetString(DicomTag.TransferSyntaxUID));
            var pixels = file.Dataset.Get(DicomTag.PixelData);
            Assert.NotNull(pixels);
            Assert.Equal(32 * 32 * 2, pixels.Length);
        }
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Cmove_sends_rle_objects_as_stored_to_a_destination_that_accepts_them(ArchiveAccess access)
    {
        var expected = fixture.RleStudy.Instances;
        using var received = new TempFolder();
        DcmtkResult result;
        using (StartStoreScp(received.Path, "+xa"))
        {
            result = await MoveAsync(fixture.Port(access), QueryRetrieveFixture.DestinationAe, "-P",
                ["QueryRetrieveLevel=PATIENT", $"PatientID={QueryRetrieveFixture.RlePatientId}"]);
        }

        Assert.Equal("0x0000", QueryTools.FinalStatus(result));
        AssertReceived(received.Path, expected);
        foreach (var path in Directory.GetFiles(received.Path))
        {
            Assert.Equal(DicomTransferSyntax.RLELossless.Uid, DicomFile.Open(path).FileMetaInformation.GetString(DicomTag.TransferSyntaxUID));
        }
    }

    [Fact]
    public async Task Cmove_to_an_unknown_destination_fails_with_A801()
    {
        var result = await MoveAsync(fixture.InProcessGatewayPort, "STRANGER", "-S", ["QueryRetrieveLevel=STUDY", $"StudyInstanceUID={Instances[0].StudyInstanceUid}"]);
        Assert.Equal("0xa801", QueryTools.FinalStatus(result));
        Assert.True(result.Output.Contains("Move destination 'STRANGER' is not configured", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task Cmove_to_a_destination_that_does_not_answer_fails_every_sub_operation_and_lists_them()
    {
        var study = Instances[^1].StudyInstanceUid;
        var expected = Instances.Count(i => i.StudyInstanceUid == study);
        var result = await MoveAsync(fixture.HttpGatewayPort, QueryRetrieveFixture.UnreachableAe, "-S", ["QueryRetrieveLevel=STUDY", $"StudyInstanceUID={study}"]);
        Assert.Equal("0xa702", QueryTools.FinalStatus(result));
        Assert.Equal(expected, FinalCount(result.Output, "Failed"));
        Assert.Equal(0, FinalCount(result.Output, "Completed"));
        Assert.True(result.Output.Contains($"{QueryRetrieveFixture.UnreachableAe} at 127.0.0.1:{fixture.UnreachablePort}", StringComparison.Ordinal), result.Output);

        // PS3.4 C.4.2.1.5: the final response lists the instances that failed (movescu -d prints its identifier).
        Assert.True(result.Output.Contains("FailedSOPInstanceUIDList", StringComparison.Ordinal), result.Output);
        Assert.All(Instances.Where(i => i.StudyInstanceUid == study), i => Assert.Contains(i.SopInstanceUid, result.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cmove_cancelled_after_the_first_sub_operation_ends_with_FE00_and_the_counts_so_far()
    {
        var study = Instances[0].StudyInstanceUid;
        using var received = new TempFolder();
        DcmtkResult result;
        using (StartStoreScp(received.Path))
        {
            result = await MoveAsync(fixture.GatedGatewayPort, QueryRetrieveFixture.DestinationAe, "-S", ["QueryRetrieveLevel=STUDY", $"StudyInstanceUID={study}"], "--cancel", "1");
        }

        Assert.Equal("0xfe00", QueryTools.FinalStatus(result));
        Assert.Equal(1, FinalCount(result.Output, "Completed"));
        Assert.True(FinalCount(result.Output, "Remaining") > 0, result.Output);
        Assert.Single(Directory.GetFiles(received.Path));
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Cget_of_a_series_returns_its_instances_on_the_same_association(ArchiveAccess access)
    {
        var series = Instances[6];
        var expected = Instances.Where(i => i.SeriesInstanceUid == series.SeriesInstanceUid).ToList();
        using var received = new TempFolder();
        var arguments = new List<string> { "-d", "-aet", "GETSCU", "-aec", QueryRetrieveFixture.GatewayAe, "-S", "-od", received.Path };
        foreach (var key in new[] { "QueryRetrieveLevel=SERIES", $"StudyInstanceUID={series.StudyInstanceUid}", $"SeriesInstanceUID={series.SeriesInstanceUid}" })
        {
            arguments.AddRange(["-k", key]);
        }

        arguments.AddRange(["127.0.0.1", fixture.Port(access).ToString(CultureInfo.InvariantCulture)]);
        var result = await Dcmtk.RunAsync("getscu", arguments, QueryTools.Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0x0000", QueryTools.FinalStatus(result));
        Assert.Equal(expected.Count, FinalCount(result.Output, "Completed"));
        AssertReceived(received.Path, expected);
    }

    [Fact]
    public async Task Cmove_without_the_unique_key_of_its_level_fails_with_A900_naming_it()
    {
        var result = await MoveAsync(fixture.InProcessGatewayPort, QueryRetrieveFixture.DestinationAe, "-S", ["QueryRetrieveLevel=SERIES", $"StudyInstanceUID={Instances[0].StudyInstanceUid}"]);
        Assert.Equal("0xa900", QueryTools.FinalStatus(result));
        Assert.True(result.Output.Contains("SeriesInstanceUID is required at the SERIES level", StringComparison.Ordinal), result.Output);
    }

    private DcmtkProcess StartStoreScp(string folder, params string[] extra) =>
        Dcmtk.StartServer("storescp", ["-aet", QueryRetrieveFixture.DestinationAe, "-od", folder, .. extra, fixture.DestinationPort.ToString(CultureInfo.InvariantCulture)],
            fixture.DestinationPort);

    private static Task<DcmtkResult> MoveAsync(int port, string destination, string model, IEnumerable<string> keys, params string[] extra)
    {
        var arguments = new List<string> { "-d", "-aet", "MOVESCU", "-aec", QueryRetrieveFixture.GatewayAe, "-aem", destination, model };
        arguments.AddRange(extra);
        foreach (var key in keys)
        {
            arguments.AddRange(["-k", key]);
        }

        arguments.AddRange(["127.0.0.1", port.ToString(CultureInfo.InvariantCulture)]);
        return Dcmtk.RunAsync("movescu", arguments, QueryTools.Timeout);
    }

    /// <summary>A sub-operation count of the last response the tool printed (movescu and getscu -d).</summary>
    private static int FinalCount(string output, string which)
    {
        var matches = SubOperationCount().Matches(output).Where(m => m.Groups["which"].Value == which).ToList();
        return matches.Count == 0 ? 0 : int.Parse(matches[^1].Groups["n"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A sub-operation count of the first response the tool printed.</summary>
    private static int FirstCount(string output, string which) =>
        SubOperationCount().Matches(output).Where(m => m.Groups["which"].Value == which).Select(m => int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)).First();

    private static void AssertReceived(string folder, IReadOnlyList<GeneratedInstance> expected)
    {
        var files = Directory.GetFiles(folder);
        var received = files.Select(f => DicomFile.Open(f).Dataset.GetString(DicomTag.SOPInstanceUID) ?? string.Empty).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(e => e.SopInstanceUid).Order(StringComparer.Ordinal).ToList(), received);
    }

    [GeneratedRegex(@"(?<which>Remaining|Completed|Failed|Warning) Suboperations\s*:\s*(?<n>\d+)")]
    private static partial Regex SubOperationCount();
}
