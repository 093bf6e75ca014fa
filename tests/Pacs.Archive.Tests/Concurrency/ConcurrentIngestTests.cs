using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Concurrency;

/// <summary>Many ingests at once: pieces of one new study merge by UID, one SOP Instance UID is stored once.</summary>
public abstract class ConcurrentIngestTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private const int Parallelism = 8;

    [Fact]
    public async Task Pieces_of_one_new_study_sent_concurrently_merge_into_one_study_patient_and_its_series()
    {
        string study = TestDicom.NewUid();
        string[] series = [TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()];
        var parts = Enumerable.Range(0, 48)
            .Select(i => TestDicom.Create(study, series[i % 3], TestDicom.NewUid(), seed: i, edit: ds => ds.Set(DicomTag.SeriesNumber, $"{i % 3 + 1}")))
            .ToList();

        var results = await RunConcurrentlyAsync(parts);

        Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
        var rows = await Archive.CountRowsAsync();
        Assert.Equal((1, 1, 3, 48), (rows.Patients, rows.Studies, rows.Series, rows.Instances));
        var match = Assert.Single((await QueryAsync(QueryLevel.Study)).Matches);
        Assert.Equal("3", Text(match, DicomTag.NumberOfStudyRelatedSeries));
        Assert.Equal("48", Text(match, DicomTag.NumberOfStudyRelatedInstances));
        Assert.Equal(48, results.Select(r => r.Watermark).Distinct().Count());
    }

    [Fact]
    public async Task Identical_instance_sent_concurrently_is_stored_once_and_every_sender_succeeds()
    {
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid());

        var results = await RunConcurrentlyAsync(Enumerable.Repeat(part, Parallelism).ToList());

        Assert.Single(results, r => r.Outcome == IngestOutcome.Stored);
        Assert.All(results, r => Assert.True(r.Succeeded, r.FailureDescription));
        Assert.Equal(Parallelism - 1, results.Count(r => r.Outcome == IngestOutcome.AlreadyStored));
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Equal(1, (await Archive.CountRowsAsync()).Instances);
    }

    [Fact]
    public async Task Different_objects_under_one_new_SOP_Instance_UID_sent_concurrently_store_exactly_one()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        var parts = Enumerable.Range(0, Parallelism).Select(i => TestDicom.Create(study, series, sop, seed: i)).ToList();

        var results = await RunConcurrentlyAsync(parts);

        var stored = Assert.Single(results, r => r.Outcome == IngestOutcome.Stored);
        Assert.All(results.Where(r => r != stored), r => Assert.Equal((ushort)45070, r.FailureReason));
        var instance = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(parts[results.ToList().IndexOf(stored)], await ReadStoredAsync(instance));
        Assert.Single(await Archive.BlobNamesAsync());
    }

    [Fact]
    public async Task Versions_of_one_new_SOP_Instance_UID_stored_concurrently_under_the_replace_policy_have_blob_names_in_version_order()
    {
        // Every sender draws its blob name before its reservation, and all but one find the instance busy and wait: the
        // order in which they then reserve is not the order of their names. The rebuild from blobs takes name order for
        // version order, so a version reserved after another must sort after it whatever it drew first.
        await using var archive = await CreateBackendAsync(new ArchiveOptions { DuplicatePolicy = DuplicatePolicy.Replace });
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        var parts = Enumerable.Range(0, Parallelism).Select(i => TestDicom.Create(study, series, sop, seed: i)).ToList();

        var results = await RunConcurrentlyAsync(parts, archive);

        Assert.All(results, r => Assert.True(r.Succeeded, r.FailureDescription));
        await using var db = archive.Database.CreateContext();
        var versions = db.Instances.Where(i => i.SopInstanceUid == sop).OrderBy(i => i.Version).Select(i => i.BlobName).ToList();
        Assert.Equal(Parallelism, versions.Count);
        Assert.Equal(versions.Order(StringComparer.Ordinal), versions);
        Assert.Equal(versions, (await archive.BlobNamesAsync()).Order(StringComparer.Ordinal));
        Assert.Empty(archive.TemporaryBlobFiles());
    }

    private async Task<IngestResult[]> RunConcurrentlyAsync(List<byte[]> parts, ArchiveBackend? archive = null)
    {
        archive ??= Archive;
        var results = new IngestResult[parts.Count];
        using var start = new ManualResetEventSlim();
        int next = -1;
        var workers = Enumerable.Range(0, Parallelism).Select(_ => Task.Run(async () =>
        {
            start.Wait(TimeSpan.FromSeconds(10));
            for (int i = Interlocked.Increment(ref next); i < parts.Count; i = Interlocked.Increment(ref next))
                results[i] = await archive.Ingest.IngestAsync(new MemoryStream(parts[i], writable: false));
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
        return results;
    }
}

public sealed class SqliteConcurrentIngestTests() : ConcurrentIngestTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresConcurrentIngestTests(PostgresServer postgres) : ConcurrentIngestTests(DatabaseKind.Postgres, postgres);
