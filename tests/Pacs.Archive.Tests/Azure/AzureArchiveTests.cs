using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Azure;

/// <summary>The archive over the Azure Blob store (Azurite): a smaller subset of the file system suite.</summary>
[Collection(ArchiveAzuriteCollection.Name)]
public sealed class AzureArchiveTests(AzuriteFixture azurite) : ArchiveTestBase(DatabaseKind.Sqlite)
{
    protected override Task<ArchiveBackend> CreateBackendAsync(DatabaseKind kind, PostgresServer? postgres, ArchiveOptions options) =>
        ArchiveBackend.CreateAsync(kind, postgres, azurite, options);

    [Fact]
    public async Task Ingested_instance_comes_back_byte_identical_from_Azure_and_its_frames_by_range()
    {
        string study = TestDicom.NewUid();
        byte[] part = TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid(), seed: 4, frames: 3);

        var result = await IngestAsync(part);

        Assert.Equal(IngestOutcome.Stored, result.Outcome);
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(part, await ReadStoredAsync(stored));
        Assert.Equal(TestDicom.Frame(4, 2), await Archive.Retrieve.ReadFrameAsync(stored, 2));
        Assert.Single((await QueryAsync(QueryLevel.Instance, MatchCondition.Single(DicomTag.StudyInstanceUID, study))).Matches);
    }

    [Fact]
    public async Task Identical_resend_to_Azure_stores_no_second_copy_and_a_conflicting_one_is_refused()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        byte[] part = TestDicom.Create(study, series, sop, seed: 1);
        await IngestAsync(part);

        var again = await IngestAsync(part);
        var conflicting = await IngestAsync(TestDicom.Create(study, series, sop, seed: 2));

        Assert.Equal(IngestOutcome.AlreadyStored, again.Outcome);
        Assert.Equal((ushort)45070, conflicting.FailureReason);
        Assert.Single(await Archive.BlobNamesAsync());
    }

    [Fact]
    public async Task Deleting_a_study_on_Azure_removes_its_blobs_and_the_sweeper_removes_strays()
    {
        string study = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()));
        await Pacs.Storage.BlobStoreExtensions.PutAsync(Archive.InnerStore, $"{Archive.Options.BlobPrefix}/1.2.3/stray", new byte[] { 1 });

        Assert.Equal(1, await Archive.Delete.DeleteStudyAsync(study));
        var report = await Archive.Sweeper.SweepAsync(new SweepOptions { ScanOrphanBlobs = true, OrphanBlobGrace = TimeSpan.FromSeconds(-5) });

        Assert.Equal(1, report.OrphanBlobsDeleted);
        Assert.Empty(await Archive.BlobNamesAsync());
    }
}
