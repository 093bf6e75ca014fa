using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Pacs.Gateway.Spool;
using Pacs.Gateway.Tests.Support;

namespace Pacs.Gateway.Tests;

/// <summary>C-ECHO, association checks and C-STORE into the spool, with DCMTK's echoscu and storescu as the modality.</summary>
public sealed class StoreAndEchoTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The transfer syntaxes DCMTK 3.6.7's storescu can propose, each with the option that proposes it first.</summary>
    private static readonly Dictionary<string, string> StorescuProposal = new(StringComparer.Ordinal)
    {
        ["1.2.840.10008.1.2"] = "-xi",
        ["1.2.840.10008.1.2.1"] = "-xe",
        ["1.2.840.10008.1.2.2"] = "-xb",
        ["1.2.840.10008.1.2.1.99"] = "-xd",
        ["1.2.840.10008.1.2.4.50"] = "-xy",
        ["1.2.840.10008.1.2.4.51"] = "-xx",
        ["1.2.840.10008.1.2.4.70"] = "-xs",
        ["1.2.840.10008.1.2.4.80"] = "-xt",
        ["1.2.840.10008.1.2.4.81"] = "-xu",
        ["1.2.840.10008.1.2.4.90"] = "-xv",
        ["1.2.840.10008.1.2.4.91"] = "-xw",
        ["1.2.840.10008.1.2.5"] = "-xr",
    };

    [Fact(Timeout = 120_000)]
    public async Task Echoscu_gets_success()
    {
        using var folder = new TempFolder();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next());
        var result = await Dcmtk.RunAsync("echoscu", ["-v", "-aet", "MODALITY", "-aec", "PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received Echo Response (Success)", result.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Unknown_calling_ae_is_rejected_as_calling_ae_title_not_recognized()
    {
        using var folder = new TempFolder();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next(), o =>
            o.CallingAeTitles = [new GatewayCallingAe { AeTitle = "CT1" }, new GatewayCallingAe { AeTitle = "MR1", Host = "10.99.0.0/16" }]);

        var known = await Dcmtk.RunAsync("echoscu", ["-aet", "CT1", "-aec", "PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.True(known.ExitCode == 0, known.ToString());

        var unknown = await Dcmtk.RunAsync("echoscu", ["-aet", "STRANGER", "-aec", "PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("Calling AE Title Not Recognized", unknown.Output, StringComparison.OrdinalIgnoreCase);

        // Known, but only from another network: the same rejection.
        var wrongHost = await Dcmtk.RunAsync("echoscu", ["-aet", "MR1", "-aec", "PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.NotEqual(0, wrongHost.ExitCode);
        Assert.Contains("Calling AE Title Not Recognized", wrongHost.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 120_000)]
    public async Task Wrong_called_ae_is_rejected_as_called_ae_title_not_recognized()
    {
        using var folder = new TempFolder();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next());
        var result = await Dcmtk.RunAsync("echoscu", ["-aet", "MODALITY", "-aec", "NOT_PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Called AE Title Not Recognized", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 300_000)]
    public async Task Storescu_corpus_in_every_transfer_syntax_it_can_propose_reaches_the_archive_as_sent()
    {
        using var folder = new TempFolder();
        var archivePort = FreePort.Next();
        // The corpus holds real-world objects with defects the archive's strict policy refuses (e.g. a referenced UID with
        // a leading zero); this test is about transfer syntaxes, so the archive stores what it can read.
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort, "--Pacs:Archive:ValidationPolicy=AcceptAsIs");
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort);

        var files = CorpusFilePerTransferSyntax();
        Assert.Equal(StorescuProposal.Keys.Order(StringComparer.Ordinal), files.Keys);
        foreach (var (transferSyntax, file) in files)
        {
            // -R: only the file's SOP class; the option proposes the file's transfer syntax first, so the object travels
            // (and is kept) as it is.
            var result = await Dcmtk.RunAsync("storescu", ["-v", "-R", StorescuProposal[transferSyntax], "-aet", "MODALITY", "-aec", "PACS", "127.0.0.1", Port(gateway), file.Path], ToolTimeout);
            Assert.True(result.ExitCode == 0 && result.Output.Contains("Received Store Response (Success)", StringComparison.Ordinal), $"{transferSyntax}: {result}");
        }

        await Eventually.WaitAsync(() => gateway.Spool.Archive.Count == 0, TimeSpan.FromMinutes(2), "the spool emptied into the archive");
        if (gateway.Spool.Archive.QuarantinedCount != 0)
        {
            Assert.Fail("quarantined: " + string.Join("\n", Directory.GetFiles(gateway.Spool.Archive.QuarantineFolder, "*.json").Select(File.ReadAllText)));
        }

        var stored = await archive.InstancesAsync();
        foreach (var (transferSyntax, file) in files)
        {
            Assert.True(stored.TryGetValue(file.SopInstanceUid, out var instance), $"{file.Path} ({transferSyntax}) is not in the archive");
            Assert.Equal(transferSyntax, instance.TransferSyntaxUid);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task An_object_without_study_instance_uid_is_refused_at_once_with_a900_and_not_spooled()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "1",
            "--rows", "8", "--cols", "8", "--seed", "4007");
        var broken = folder.File("no-study.dcm");
        File.Copy(studies.FullPath(studies.Instances[0]), broken);
        var modify = await Dcmtk.RunAsync("dcmodify", ["-nb", "-e", "(0020,000D)", broken], ToolTimeout);
        Assert.True(modify.ExitCode == 0, modify.ToString());
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next());

        var result = await Dcmtk.RunAsync("storescu", ["-v", "-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", Port(gateway), broken], ToolTimeout);
        Assert.True(result.Output.Contains("Received Store Response (Error: DataSetDoesNotMatchSOPClass)", StringComparison.Ordinal), result.ToString());
        Assert.DoesNotContain("Received Store Response (Success)", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, gateway.Spool.Archive.Count);
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
    }

    [Fact(Timeout = 900_000)]
    public async Task Archive_down_during_a_1000_instance_storescu_run_every_cstore_succeeds_and_all_arrive_later_with_matching_sha256()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "2", "--studies-per-patient", "1", "--series-per-study", "2", "--instances-per-series", "250",
            "--rows", "16", "--cols", "16", "--seed", "4004", "--uid-root", "1.2.826.0.1.3680043.10.1040.4");
        Assert.Equal(1000, studies.Instances.Count);

        // The archive's URL answers nothing: nobody listens on its port yet.
        var archivePort = FreePort.Next();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort);
        var result = await Dcmtk.RunAsync("storescu", ["-v", "-R", "+sd", "+r", "+sp", "*.dcm", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", Port(gateway), studies.Folder],
            TimeSpan.FromMinutes(10));
        Assert.True(result.ExitCode == 0, result.ToString()[..Math.Min(4000, result.ToString().Length)]);
        Assert.Equal(1000, CountOccurrences(result.Output, "Received Store Response (Success)"));
        Assert.Equal(1000, gateway.Spool.Archive.Count);
        // The forwarder holds back while objects arrive (Forwarding.YieldToIncoming), so its tries against the absent
        // archive may all come after the run: wait for one, the archive still down.
        await Eventually.WaitAsync(() => gateway.Forwarder.FailedRequests > 0, TimeSpan.FromMinutes(1), "the forwarder tried the archive while it was down");
        Assert.Equal(0L, gateway.Forwarder.DeliveredCount);

        // The archive comes back at the same URL: the forwarder notices on its own.
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);
        await Eventually.WaitAsync(() => gateway.Spool.Archive.Count == 0, TimeSpan.FromMinutes(8), "all 1,000 forwarded after the archive returned");
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Archive.Folder));
        Assert.Equal(0, gateway.Spool.Archive.QuarantinedCount);

        var stored = await archive.InstancesAsync();
        Assert.Equal(1000, stored.Count);
        foreach (var instance in studies.Instances)
        {
            Assert.True(stored.TryGetValue(instance.SopInstanceUid, out var row), $"{instance.SopInstanceUid} missing");
            Assert.Equal(Part10.DatasetSha256(studies.FullPath(instance)), await archive.DatasetSha256Async(row.BlobName));
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task An_object_the_archive_refuses_for_good_moves_to_failed_with_its_reason_and_is_not_retried()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "1",
            "--rows", "8", "--cols", "8", "--seed", "4005");
        var original = studies.FullPath(studies.Instances[0]);
        var archivePort = FreePort.Next();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort);
        var first = await Dcmtk.RunAsync("storescu", ["-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", Port(gateway), original], ToolTimeout);
        Assert.True(first.ExitCode == 0, first.ToString());

        // The same SOP Instance UID with other content, while the archive is down, so both wait side by side in the spool:
        // the archive keeps the first and refuses the second for good (B00EH, duplicate policy Reject).
        var changed = folder.File("changed.dcm");
        File.Copy(original, changed);
        var modify = await Dcmtk.RunAsync("dcmodify", ["-nb", "-m", "(0010,0010)=Changed^Name", changed], ToolTimeout);
        Assert.True(modify.ExitCode == 0, modify.ToString());
        var second = await Dcmtk.RunAsync("storescu", ["-v", "-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", Port(gateway), changed], ToolTimeout);
        Assert.Contains("Received Store Response (Success)", second.Output, StringComparison.Ordinal);
        Assert.Equal(2, gateway.Spool.Archive.Count);

        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);
        await Eventually.WaitAsync(() => gateway.Spool.Archive.Count == 0, TimeSpan.FromMinutes(1), "both objects left the queue");
        var quarantined = Directory.GetFiles(gateway.Spool.Archive.QuarantineFolder, "*.dcm");
        var kept = Assert.Single(quarantined);
        Assert.Equal(Part10.DatasetSha256(changed), Part10.DatasetSha256(kept));
        var reason = JsonSerializer.Deserialize<QuarantineReason>(File.ReadAllText(kept + ".reason.json"))!;
        Assert.Equal((ushort)0xB00E, reason.FailureReason);
        Assert.Equal(studies.Instances[0].SopInstanceUid, reason.SopInstanceUid);
        Assert.Equal(1, reason.Attempts);
        Assert.Equal(1L, gateway.Forwarder.QuarantinedCount);
        var stored = Assert.Single(await archive.InstancesAsync());
        Assert.Equal(Part10.DatasetSha256(original), await archive.DatasetSha256Async(stored.Value.BlobName));
    }

    [Fact(Timeout = 120_000)]
    public async Task Half_open_connections_are_closed_by_the_artim_timer_and_free_their_slot()
    {
        using var folder = new TempFolder();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next(), o =>
        {
            o.AssociationRequestTimeout = TimeSpan.FromSeconds(1);
            o.MaxAssociations = 2;
        });

        // Connections that never send an A-ASSOCIATE-RQ, and one that stops in the middle of it.
        using var silent1 = new TcpClient();
        using var silent2 = new TcpClient();
        using var partial = new TcpClient();
        await silent1.ConnectAsync("127.0.0.1", gateway.Port);
        await silent2.ConnectAsync("127.0.0.1", gateway.Port);
        await partial.ConnectAsync("127.0.0.1", gateway.Port);
        await partial.GetStream().WriteAsync(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01 });

        await Eventually.WaitAsync(() => gateway.Listener.Server!.ActiveConnections == 0, TimeSpan.FromSeconds(20), "the silent connections closed by the gateway");
        Assert.True(await ClosedByPeerAsync(silent1), "the gateway did not close the silent connection");
        Assert.True(await ClosedByPeerAsync(partial), "the gateway did not close the half-sent association request");

        var echo = await Dcmtk.RunAsync("echoscu", ["-aet", "MODALITY", "-aec", "PACS", "127.0.0.1", Port(gateway)], ToolTimeout);
        Assert.True(echo.ExitCode == 0, echo.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task A_cstore_aborted_midway_leaves_no_partial_file_and_nothing_queued()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "1",
            "--rows", "512", "--cols", "512", "--seed", "4006");
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next());
        var path = studies.FullPath(studies.Instances[0]);
        var file = Pacs.Dicom.DicomFile.Open(path);

        var association = await Pacs.Dimse.DimseClient.ConnectAsync("127.0.0.1", gateway.Port, "MODALITY", "PACS",
            [new Pacs.Dimse.DimsePresentationContextRequest(file.SopClassUid!, [file.TransferSyntax.Uid])]);
        var gate = new GatedStream(new MemoryStream(File.ReadAllBytes(path)[Part10Offset(File.ReadAllBytes(path))..]), 300_000);
        var store = association.StoreAsync(gate, file.SopClassUid!, file.Dataset.GetString(Pacs.Dicom.DicomTag.SOPInstanceUID)!, file.TransferSyntax);

        // Part of the data set is in the spool's incoming folder; then the modality aborts.
        await Eventually.WaitAsync(() => Directory.EnumerateFiles(gateway.Spool.Incoming).Any(f => new FileInfo(f).Length > 50_000), TimeSpan.FromSeconds(30), "a partial object in incoming/");
        association.Abort();
        gate.Release();
        await Assert.ThrowsAnyAsync<Exception>(() => store);

        await Eventually.WaitAsync(() => !Directory.EnumerateFiles(gateway.Spool.Incoming).Any(), TimeSpan.FromSeconds(30), "the partial file removed");
        await Eventually.WaitAsync(() => gateway.Listener.Server!.ActiveAssociations == 0, TimeSpan.FromSeconds(30), "the aborted association cleaned up");
        await association.DisposeAsync();
        Assert.Equal(0, gateway.Spool.Archive.Count);
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Archive.Folder));
    }

    private static string Port(GatewayUnderTest gateway) => gateway.Port.ToString(CultureInfo.InvariantCulture);

    private static int Part10Offset(byte[] file) => 144 + (int)BitConverter.ToUInt32(file, 140);

    private static int CountOccurrences(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task<bool> ClosedByPeerAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            // Whatever the gateway sent before closing (an A-ABORT or nothing), the stream ends.
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// One well-formed corpus file per transfer syntax DCMTK 3.6.7's storescu can propose, the smallest of each: the
    /// MANIFEST's files outside the malformed and DICOMDIR sets, with File Meta Information, Study and Series Instance UIDs
    /// (without them the gateway refuses an object, see the test below), and that DCMTK reads without errors.
    /// </summary>
    private static SortedDictionary<string, CorpusFile> CorpusFilePerTransferSyntax()
    {
        var corpus = TestLocations.Corpus;
        var lines = File.ReadAllLines(Path.Combine(corpus, "MANIFEST.tsv"));
        var header = lines[0].Split('\t').ToList();
        int Column(string name) => header.IndexOf(name);
        var candidates = new List<(string Ts, CorpusFile File)>();
        foreach (var fields in lines.Skip(1).Select(l => l.Split('\t')))
        {
            var category = fields[Column("category")];
            var flags = fields[Column("flags")];
            var ts = fields[Column("transfer_syntax_uid")];
            if (category is "malformed" or "dicomdir" or "json" || flags.Contains("dcmdump-error", StringComparison.Ordinal) || flags.Contains("no-meta", StringComparison.Ordinal)
                || flags.Contains("no-preamble", StringComparison.Ordinal) || fields[Column("transfer_syntax")].Contains("inferred", StringComparison.Ordinal)
                || !StorescuProposal.ContainsKey(ts) || fields[Column("sop_class_uid")].Length == 0)
            {
                continue;
            }

            var path = Path.Combine(corpus, fields[Column("file")]);
            var dataset = Pacs.Dicom.DicomFile.Open(path).Dataset;
            var uid = dataset.GetString(Pacs.Dicom.DicomTag.SOPInstanceUID);
            if (uid is { Length: > 0 } && dataset.GetString(Pacs.Dicom.DicomTag.StudyInstanceUID) is { Length: > 0 } && dataset.GetString(Pacs.Dicom.DicomTag.SeriesInstanceUID) is { Length: > 0 })
            {
                candidates.Add((ts, new CorpusFile(path, uid, long.Parse(fields[Column("size")], CultureInfo.InvariantCulture))));
            }
        }

        // The same image in several syntaxes often keeps its SOP Instance UID: one file per UID, so each is a distinct instance.
        var chosen = new SortedDictionary<string, CorpusFile>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in candidates.GroupBy(c => c.Ts).OrderBy(g => g.Count()))
        {
            if (group.OrderBy(c => c.File.Size).ThenBy(c => c.File.Path, StringComparer.Ordinal).FirstOrDefault(c => !used.Contains(c.File.SopInstanceUid)) is { File: not null } pick)
            {
                chosen[group.Key] = pick.File;
                used.Add(pick.File.SopInstanceUid);
            }
        }

        return chosen;
    }

    private sealed record CorpusFile(string Path, string SopInstanceUid, long Size);
}

/// <summary>A stream that yields its first bytes, then blocks until released (an object cut off while being sent).</summary>
internal sealed class GatedStream(Stream inner, long openBytes) : Stream
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;

    public void Release() => _released.TrySetResult();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= openBytes)
        {
            await _released.Task.WaitAsync(cancellationToken);
            return 0;
        }

        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, openBytes - _position)], cancellationToken);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
