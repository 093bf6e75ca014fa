using Microsoft.EntityFrameworkCore;
using Pacs.Archive.Tests.Support;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Maintenance;

/// <summary>The sweeper clears what a crash leaves behind, and nothing else.</summary>
public abstract class SweeperTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private static readonly SweepOptions Now = new()
    {
        StaleCreatingAfter = TimeSpan.Zero,
        StaleDeletingAfter = TimeSpan.Zero,
        EmptyParentAfter = TimeSpan.Zero,
        ScanOrphanBlobs = true,
        OrphanBlobGrace = TimeSpan.Zero,
    };

    /// <summary>Thrown from inside the store to stand for the process dying between the put and the commit.</summary>
    private sealed class SimulatedCrashException : Exception
    {
        public SimulatedCrashException() : base("simulated crash") { }
    }

    private async Task<string> CrashAfterPutAsync()
    {
        string study = TestDicom.NewUid();
        Archive.Faults.AfterPut = _ => throw new SimulatedCrashException();
        await Assert.ThrowsAsync<SimulatedCrashException>(() => IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid())));
        Archive.Faults.AfterPut = null;
        return study;
    }

    [Fact]
    public async Task Ingest_that_died_after_the_put_leaves_an_invisible_Creating_row_that_the_sweeper_removes_with_its_blob()
    {
        string study = await CrashAfterPutAsync();
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Empty((await QueryAsync(QueryLevel.Study)).Matches);
        Assert.Empty(await Archive.Retrieve.FindInstancesAsync(study));

        var report = await Archive.Sweeper.SweepAsync(Now);

        Assert.Equal(1, report.StaleCreatingRemoved);
        Assert.Equal(3, report.EmptyParentsRemoved);
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Equal((0, 0, 0, 0, 0, 0), await Archive.CountRowsAsync());
    }

    [Fact]
    public async Task Creating_rows_younger_than_the_limit_are_left_alone()
    {
        await CrashAfterPutAsync();

        var report = await Archive.Sweeper.SweepAsync(Now with { StaleCreatingAfter = TimeSpan.FromHours(1), EmptyParentAfter = TimeSpan.FromHours(1) });

        Assert.Equal(new SweepReport(0, 0, 0, 0), report);
        Assert.Single(await Archive.BlobNamesAsync());
        Assert.Equal(1, (await Archive.CountRowsAsync()).Instances);
    }

    [Fact]
    public async Task Sweeper_keeps_stored_instances_and_deletes_only_unreferenced_blobs()
    {
        string study = TestDicom.NewUid();
        byte[] part = TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid());
        await IngestAsync(part);
        await Archive.InnerStore.PutAsync($"{Archive.Options.BlobPrefix}/1.2.3/stray", new byte[] { 1, 2, 3 });
        await Archive.InnerStore.PutAsync("elsewhere/not-ours", new byte[] { 4 });

        var report = await Archive.Sweeper.SweepAsync(Now);

        Assert.Equal(1, report.OrphanBlobsDeleted);
        Assert.Equal(0, report.StaleCreatingRemoved + report.EmptyParentsRemoved);
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(part, await ReadStoredAsync(stored));
        Assert.True(await Archive.InnerStore.ExistsAsync("elsewhere/not-ours"));
    }

    [Fact]
    public async Task A_temporary_file_of_a_put_that_died_is_removed_only_by_a_sweep_that_asks_for_temporary_files()
    {
        if (Archive.InnerStore is not FileSystemBlobStore)
            return; // other stores keep no temporary files
        // A staged blob neither committed nor abandoned: what a process killed between staging and committing leaves.
        using var content = new MemoryStream(new byte[] { 1, 2, 3 });
        _ = await Archive.InnerStore.StageAsync($"{Archive.Options.BlobPrefix}/1.2.3/v1", content);
        Assert.Single(Archive.TemporaryBlobFiles());

        var without = await Archive.Sweeper.SweepAsync(Now);
        Assert.Equal(0, without.TemporaryFilesRemoved);
        Assert.Single(Archive.TemporaryBlobFiles());

        var with = await Archive.Sweeper.SweepAsync(Now with { TemporaryFilesAfter = TimeSpan.Zero });
        Assert.Equal(1, with.TemporaryFilesRemoved);
        Assert.Empty(Archive.TemporaryBlobFiles());
        Assert.Empty(await Archive.BlobNamesAsync());
    }

    [Fact]
    public async Task Sweeper_finishes_an_interrupted_delete()
    {
        string study = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()));
        await using (var db = Archive.Database.CreateContext())
            await db.Instances.ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Deleting));

        var report = await Archive.Sweeper.SweepAsync(Now);

        Assert.Equal(1, report.DeletesFinished);
        Assert.Empty(await Archive.BlobNamesAsync());
        var rows = await Archive.CountRowsAsync();
        Assert.Equal((0, 0, 0, 0), (rows.Patients, rows.Studies, rows.Series, rows.Instances));
    }

    [Fact]
    public async Task Commit_after_the_sweeper_removed_the_reservation_is_refused_and_leaves_no_blob()
    {
        string study = TestDicom.NewUid();
        // The sweeper runs between the put and the commit (an upload slower than the stale limit).
        Archive.Faults.AfterPut = async _ => await Archive.Sweeper.SweepAsync(Now with { ScanOrphanBlobs = false, EmptyParentAfter = TimeSpan.FromHours(1) });

        var result = await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()));

        Assert.Equal((ushort)272, result.FailureReason);
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Empty(await Archive.Retrieve.FindInstancesAsync(study));
    }
}

public sealed class SqliteSweeperTests() : SweeperTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresSweeperTests(PostgresServer postgres) : SweeperTests(DatabaseKind.Postgres, postgres);
