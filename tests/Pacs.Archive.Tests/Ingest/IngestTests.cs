using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Ingest;

/// <summary>Ingest, duplicates, refusals and failures, on one database (see the subclasses).</summary>
public abstract class IngestTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    [Fact]
    public async Task Ingested_instance_is_found_by_query_and_retrieved_byte_identical()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        byte[] part = TestDicom.Create(study, series, sop);

        var result = await IngestAsync(part);

        Assert.Equal(IngestOutcome.Stored, result.Outcome);
        Assert.Equal(sop, result.SopInstanceUid);
        Assert.Equal(TestDicom.CtImageStorage, result.SopClassUid);
        Assert.Equal(1, result.Version);
        // Read after write: the answer came after the commit, so the index already shows it.
        var studies = await QueryAsync(QueryLevel.Study, MatchCondition.Single(DicomTag.StudyInstanceUID, study));
        var found = Assert.Single(studies.Matches);
        Assert.Equal("1", Text(found, DicomTag.NumberOfStudyRelatedInstances));
        Assert.Equal("Müller^Hans", Text(found, DicomTag.PatientName));
        var instances = await Archive.Retrieve.FindInstancesAsync(study);
        var stored = Assert.Single(instances);
        Assert.Equal(part, await ReadStoredAsync(stored));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(part)), stored.Sha256);
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, stored.TransferSyntaxUid);
        var rows = await Archive.CountRowsAsync();
        Assert.Equal((1, 1, 1, 1, 1, 1), rows);
    }

    [Fact]
    public async Task Identical_resend_succeeds_with_a_duplicate_warning_and_stores_no_second_copy()
    {
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid());
        var first = await IngestAsync(part);

        var second = await IngestAsync(part);

        Assert.Equal(IngestOutcome.AlreadyStored, second.Outcome);
        Assert.True(second.Succeeded);
        Assert.Equal(first.Watermark, second.Watermark);
        Assert.Contains(second.Warnings, w => w.Reason == StoreWarningReasons.DuplicateInstance);
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Equal(1, Archive.Faults.Puts);
        Assert.Equal((1, 1, 1, 1, 1, 1), await Archive.CountRowsAsync());
    }

    [Fact]
    public async Task Different_bytes_under_a_stored_SOP_Instance_UID_are_refused_with_45070()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        byte[] original = TestDicom.Create(study, series, sop, seed: 1);
        await IngestAsync(original);

        var result = await IngestAsync(TestDicom.Create(study, series, sop, seed: 2));

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Equal((ushort)45070, result.FailureReason);
        Assert.Equal(sop, result.SopInstanceUid);
        Assert.Contains(sop, result.FailureDescription, StringComparison.Ordinal);
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(original, await ReadStoredAsync(stored));
        Assert.Single(await Archive.BlobNamesAsync());
    }

    [Fact]
    public async Task Replace_policy_makes_a_new_version_visible_and_keeps_the_old_blob()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        byte[] original = TestDicom.Create(study, series, sop, seed: 1);
        byte[] correction = TestDicom.Create(study, series, sop, seed: 2, edit: ds => ds.Set(DicomTag.PatientName, "Muller^Hans"));
        var first = await IngestAsync(original);

        var result = await IngestAsync(correction, new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace });

        Assert.Equal(IngestOutcome.Replaced, result.Outcome);
        Assert.Equal(2, result.Version);
        Assert.True(result.Watermark > first.Watermark);
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(correction, await ReadStoredAsync(stored));
        Assert.Equal(2, stored.Version);
        Assert.Equal(2, (await Archive.BlobNamesAsync()).Count);
        await using var db = Archive.Database.CreateContext();
        var versions = db.Instances.Where(i => i.SopInstanceUid == sop).OrderBy(i => i.Version).Select(i => new { i.Version, i.Status, i.BlobName }).ToList();
        Assert.Equal([InstanceStatus.Replaced, InstanceStatus.Created], versions.Select(v => v.Status));
        // The old version's bytes are still there for audit.
        await using (var old = await Archive.Store.OpenReadAsync(versions[0].BlobName))
        {
            using var copy = new MemoryStream();
            await old.CopyToAsync(copy);
            Assert.Equal(original, copy.ToArray());
        }
        Assert.Equal([ChangeFeedAction.Created, ChangeFeedAction.Replaced], db.ChangeFeed.OrderBy(c => c.Sequence).Select(c => c.Action).ToList());
        Assert.Equal([OutboxMessageTypes.InstanceStored, OutboxMessageTypes.InstanceReplaced], db.Outbox.OrderBy(o => o.Id).Select(o => o.MessageType).ToList());
        // A replacement corrects the patient: queries see the new name.
        var match = Assert.Single((await QueryAsync(QueryLevel.Study, MatchCondition.Single(DicomTag.StudyInstanceUID, study))).Matches);
        Assert.Equal("Muller^Hans", Text(match, DicomTag.PatientName));
        Assert.Equal("1", Text(match, DicomTag.NumberOfStudyRelatedInstances));
    }

    [Theory]
    [InlineData("study")]
    [InlineData("series")]
    [InlineData("sop")]
    public async Task Missing_UID_is_refused_with_43264_and_leaves_no_trace(string missing)
    {
        byte[] part = TestDicom.Create(missing == "study" ? null : TestDicom.NewUid(), missing == "series" ? null : TestDicom.NewUid(),
            missing == "sop" ? null : TestDicom.NewUid());

        var result = await IngestAsync(part);

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Equal((ushort)43264, result.FailureReason);
        Assert.Contains("missing", result.FailureDescription, StringComparison.Ordinal);
        await AssertNoTraceAsync();
    }

    [Fact]
    public async Task Invalid_UID_is_refused_with_43264()
    {
        var result = await IngestAsync(TestDicom.Create("1.2.abc", TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)43264, result.FailureReason);
        Assert.Contains("Study Instance UID", result.FailureDescription, StringComparison.Ordinal);
        await AssertNoTraceAsync();
    }

    [Fact]
    public async Task SOP_class_in_meta_differing_from_the_data_set_is_refused_with_43264()
    {
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid());
        // Patch the data set's SOP Class UID (same length) so it no longer agrees with the File Meta Information.
        byte[] classUid = System.Text.Encoding.ASCII.GetBytes(TestDicom.CtImageStorage);
        int last = part.AsSpan().LastIndexOf(classUid);
        part[last + classUid.Length - 1] = (byte)'4';

        var result = await IngestAsync(part);

        Assert.Equal((ushort)43264, result.FailureReason);
        Assert.Contains("Media Storage SOP Class UID", result.FailureDescription, StringComparison.Ordinal);
        await AssertNoTraceAsync();
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("bare")]
    public async Task Malformed_part_is_refused_with_C000_and_leaves_no_trace(string kind)
    {
        byte[] good = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid());
        byte[] part = kind switch
        {
            "empty" => [],
            "garbage" => System.Text.Encoding.ASCII.GetBytes("this is not a DICOM object at all, just some text that goes on for a while"),
            "truncated" => good[..(good.Length - 20)],
            _ => BareDataset(),
        };

        var result = await IngestAsync(part);

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Equal((ushort)0xC000, result.FailureReason);
        Assert.False(string.IsNullOrEmpty(result.FailureDescription));
        await AssertNoTraceAsync();
    }

    private static byte[] BareDataset()
    {
        var ds = new DicomDataset();
        ds.Set(DicomTag.SOPClassUID, TestDicom.CtImageStorage);
        ds.Set(DicomTag.SOPInstanceUID, TestDicom.NewUid());
        ds.Set(DicomTag.StudyInstanceUID, TestDicom.NewUid());
        ds.Set(DicomTag.SeriesInstanceUID, TestDicom.NewUid());
        using var output = new MemoryStream();
        DicomWriter.WriteDataset(output, ds, DicomTransferSyntax.ExplicitVRLittleEndian);
        return output.ToArray();
    }

    [Fact]
    public async Task Instance_of_another_study_than_the_request_names_is_refused_with_43265()
    {
        string study = TestDicom.NewUid();

        var result = await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()),
            new IngestOptions { ExpectedStudyInstanceUid = TestDicom.NewUid() });

        Assert.Equal((ushort)43265, result.FailureReason);
        Assert.Equal(study, result.StudyInstanceUid);
        await AssertNoTraceAsync();
    }

    [Fact]
    public async Task Instance_of_the_study_the_request_names_is_stored()
    {
        string study = TestDicom.NewUid();

        var result = await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()), new IngestOptions { ExpectedStudyInstanceUid = study });

        Assert.Equal(IngestOutcome.Stored, result.Outcome);
    }

    [Fact]
    public async Task Failed_blob_put_is_refused_with_272_and_leaves_no_trace()
    {
        Archive.Faults.FailPut = name => new BlobStoreUnavailableException(name, "simulated outage", null);

        var result = await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)272, result.FailureReason);
        Assert.Contains("simulated outage", result.FailureDescription, StringComparison.Ordinal);
        var rows = await Archive.CountRowsAsync();
        Assert.Equal(0, rows.Instances);
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty((await QueryAsync(QueryLevel.Study)).Matches);
    }

    [Fact]
    public async Task Ingest_cancelled_during_the_put_throws_and_leaves_no_trace()
    {
        Archive.Faults.FailPut = _ => new OperationCanceledException("client went away");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid())));

        Assert.Equal(0, (await Archive.CountRowsAsync()).Instances);
        Assert.Empty(await Archive.BlobNamesAsync());
    }

    [Fact]
    public async Task Ingest_cancelled_while_spooling_a_large_part_to_disk_throws_and_leaves_no_file_row_or_blob()
    {
        await using var archive = await CreateBackendAsync(new ArchiveOptions { SpoolMemoryThresholdBytes = 4096 });
        using var cancel = new CancellationTokenSource();
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), frames: 4000);
        // The request is cancelled after 100 KB arrived: the spool has gone to disk by then.
        var body = new CancellingStream(part, cancelAfterBytes: 100_000, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => archive.Ingest.IngestAsync(body, null, cancel.Token));

        Assert.True(body.Position >= 100_000);
        Assert.Empty(Directory.EnumerateFiles(archive.Options.SpoolFolder!, "*", SearchOption.AllDirectories));
        Assert.Equal((0, 0, 0, 0, 0, 0), await archive.CountRowsAsync());
        Assert.Empty(await archive.BlobNamesAsync());
    }

    /// <summary>A request body that cancels its request after handing out a number of bytes.</summary>
    private sealed class CancellingStream(byte[] content, int cancelAfterBytes, CancellationTokenSource cancel) : MemoryStream(content, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= cancelAfterBytes)
                await cancel.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 8192)], cancellationToken);
        }
    }

    [Fact]
    public async Task Database_failure_at_commit_is_refused_with_272_and_leaves_no_instance_and_no_blob()
    {
        string study = TestDicom.NewUid();
        // Between the put and the commit, the table the commit writes to disappears: the commit fails.
        Archive.Faults.AfterPut = async _ =>
        {
            await using var db = Archive.Database.CreateContext();
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, "DROP TABLE change_feed");
        };

        var result = await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)272, result.FailureReason);
        await using var check = Archive.Database.CreateContext();
        Assert.Equal(0, check.Instances.Count());
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty(await Archive.Retrieve.FindInstancesAsync(study));
    }

    [Fact]
    public async Task Non_zero_preamble_is_zeroed_before_storing_with_a_coercion_warning()
    {
        string study = TestDicom.NewUid();
        byte[] part = TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid());
        byte[] sent = (byte[])part.Clone();
        "MZ-executable-looking preamble"u8.CopyTo(sent);

        var result = await IngestAsync(sent);

        Assert.Contains(result.Warnings, w => w.Reason == StoreWarningReasons.CoercionOfDataElements);
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(part, await ReadStoredAsync(stored));
    }

    [Fact]
    public async Task Frames_of_a_multi_frame_instance_are_read_by_range()
    {
        string study = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid(), seed: 5, frames: 3));

        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));

        Assert.Equal(3, stored.Frames!.Count);
        for (int frame = 1; frame <= 3; frame++)
            Assert.Equal(TestDicom.Frame(5, frame), await Archive.Retrieve.ReadFrameAsync(stored, frame));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Archive.Retrieve.ReadFrameAsync(stored, 4));
    }

    [Fact]
    public async Task Frames_of_a_big_endian_instance_come_back_little_endian()
    {
        string study = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid(), seed: 3, frames: 2, transferSyntax: DicomTransferSyntax.ExplicitVRBigEndian));

        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));

        Assert.Equal(TestDicom.Frame(3, 2), await Archive.Retrieve.ReadFrameAsync(stored, 2));
    }

    [Fact]
    public async Task Instances_sort_by_series_number_then_instance_number_then_acquisition_time()
    {
        string study = TestDicom.NewUid(), seriesA = TestDicom.NewUid(), seriesB = TestDicom.NewUid();
        var expected = new List<string>();
        var parts = new List<byte[]>();
        // Series number 2 (A) and 1 (B); in B two instances share Instance Number 1 and differ in acquisition time.
        foreach (var (series, seriesNumber, instanceNumber, time) in new[]
                 {
                     (seriesB, "1", "1", "080000"), (seriesB, "1", "1", "090000"), (seriesB, "1", "2", "070000"),
                     (seriesA, "2", "1", "060000"), (seriesA, "2", "3", "060000"),
                 })
        {
            string sop = TestDicom.NewUid();
            expected.Add(sop);
            parts.Add(TestDicom.Create(study, series, sop, seed: parts.Count, edit: ds =>
            {
                ds.Set(DicomTag.SeriesNumber, seriesNumber);
                ds.Set(DicomTag.InstanceNumber, instanceNumber);
                ds.Set(DicomTag.AcquisitionDate, "20240105");
                ds.Set(DicomTag.AcquisitionTime, time);
            }));
        }
        foreach (int i in new[] { 4, 2, 0, 3, 1 })
            Assert.True((await IngestAsync(parts[i])).Succeeded);

        var retrieved = await Archive.Retrieve.FindInstancesAsync(study);
        var queried = await Archive.Query.QueryAsync(new QidoQuery { Level = QueryLevel.Instance, StudyInstanceUid = study });

        Assert.Equal(expected, retrieved.Select(r => r.SopInstanceUid));
        Assert.Equal(expected, queried.Matches.Select(m => Text(m, DicomTag.SOPInstanceUID)));
    }

    [Fact]
    public async Task Failure_while_staging_the_blob_is_refused_with_272_and_leaves_no_row_no_blob_and_no_temporary_file()
    {
        Archive.Faults.FailPut = name => new BlobStoreUnavailableException(name, "simulated outage while staging", null);

        var result = await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)272, result.FailureReason);
        Assert.Contains("simulated outage while staging", result.FailureDescription, StringComparison.Ordinal);
        Assert.Equal(0, Archive.Faults.Stages);
        Assert.Equal((0, 0), (Archive.Faults.Puts, (await Archive.CountRowsAsync()).Instances));
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty(Archive.TemporaryBlobFiles());
        Assert.Empty((await QueryAsync(QueryLevel.Instance)).Matches);
    }

    [Fact]
    public async Task Failure_at_the_blob_commit_is_refused_with_272_and_leaves_no_row_no_blob_and_no_temporary_file()
    {
        Archive.Faults.FailCommit = name => new BlobStoreUnavailableException(name, "simulated outage at commit", null);

        var result = await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)272, result.FailureReason);
        Assert.Contains("simulated outage at commit", result.FailureDescription, StringComparison.Ordinal);
        Assert.Equal(1, Archive.Faults.Stages);
        Assert.Equal((0, 0), (Archive.Faults.Puts, (await Archive.CountRowsAsync()).Instances));
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty(Archive.TemporaryBlobFiles());
        Assert.Empty((await QueryAsync(QueryLevel.Instance)).Matches);
    }

    [Fact]
    public async Task Ingest_cancelled_at_the_blob_commit_throws_and_leaves_no_row_no_blob_and_no_temporary_file()
    {
        Archive.Faults.FailCommit = _ => new OperationCanceledException("client went away");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid())));

        Assert.Equal(0, (await Archive.CountRowsAsync()).Instances);
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty(Archive.TemporaryBlobFiles());
    }

    [Fact]
    public async Task Identical_resend_abandons_its_staged_copy_and_leaves_no_temporary_file()
    {
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid());
        await IngestAsync(part);

        var second = await IngestAsync(part);

        Assert.Equal(IngestOutcome.AlreadyStored, second.Outcome);
        // The resend staged its bytes while the index looked, and dropped them once the index said "already stored".
        Assert.Equal((2, 1), (Archive.Faults.Stages, Archive.Faults.Puts));
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Empty(Archive.TemporaryBlobFiles());
    }

    [Fact]
    public async Task Duplicate_refused_by_the_policy_leaves_no_second_blob_and_no_temporary_file()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, series, sop, seed: 1));

        var refused = await IngestAsync(TestDicom.Create(study, series, sop, seed: 2));

        Assert.Equal((ushort)45070, refused.FailureReason);
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Equal(1, (await Archive.CountRowsAsync()).Instances);
        Assert.Empty(Archive.TemporaryBlobFiles());
    }

    [Fact]
    public async Task A_replacing_version_gets_a_blob_name_after_the_replaced_one_and_leaves_no_temporary_file()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        var first = await IngestAsync(TestDicom.Create(study, series, sop, seed: 1));

        var second = await IngestAsync(TestDicom.Create(study, series, sop, seed: 2), new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace });

        Assert.Equal(IngestOutcome.Replaced, second.Outcome);
        await using var db = Archive.Database.CreateContext();
        var names = db.Instances.Where(i => i.SopInstanceUid == sop).OrderBy(i => i.Version).Select(i => i.BlobName).ToList();
        Assert.Equal(2, names.Count);
        // The rebuild from blobs takes name order for version order.
        Assert.True(string.CompareOrdinal(names[0], names[1]) < 0, $"{names[1]} does not sort after {names[0]}");
        Assert.Equal(names, (await Archive.BlobNamesAsync()).Order(StringComparer.Ordinal));
        Assert.Empty(Archive.TemporaryBlobFiles());
    }

    protected async Task AssertNoTraceAsync()
    {
        Assert.Equal((0, 0, 0, 0, 0, 0), await Archive.CountRowsAsync());
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Equal(0, Archive.Faults.Puts);
        Assert.Empty(Archive.TemporaryBlobFiles());
    }
}

public sealed class SqliteIngestTests() : IngestTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresIngestTests(PostgresServer postgres) : IngestTests(DatabaseKind.Postgres, postgres);
