using Microsoft.EntityFrameworkCore;
using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Retrieve;

/// <summary>Deleting studies, series and instances: invisible at once, blobs and rows gone, feed and outbox written.</summary>
public abstract class DeleteTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private readonly string _study = TestDicom.NewUid();
    private readonly string _seriesA = TestDicom.NewUid();
    private readonly string _seriesB = TestDicom.NewUid();
    private readonly List<string> _sops = [];

    private async Task StoreStudyAsync()
    {
        for (int i = 0; i < 4; i++)
        {
            string sop = TestDicom.NewUid();
            _sops.Add(sop);
            Assert.True((await IngestAsync(TestDicom.Create(_study, i < 2 ? _seriesA : _seriesB, sop, seed: i))).Succeeded);
        }
    }

    [Fact]
    public async Task Deleting_a_study_removes_its_instances_blobs_and_rows_and_announces_each_instance()
    {
        await StoreStudyAsync();

        int deleted = await Archive.Delete.DeleteStudyAsync(_study);

        Assert.Equal(4, deleted);
        Assert.Empty((await QueryAsync(QueryLevel.Study)).Matches);
        Assert.Empty(await Archive.Retrieve.FindInstancesAsync(_study));
        Assert.Empty(await Archive.BlobNamesAsync());
        var rows = await Archive.CountRowsAsync();
        Assert.Equal((0, 0, 0, 0), (rows.Patients, rows.Studies, rows.Series, rows.Instances));
        await using var db = Archive.Database.CreateContext();
        Assert.Equal(4, await db.ChangeFeed.CountAsync(c => c.Action == ChangeFeedAction.Deleted));
        Assert.Equal(4, await db.Outbox.CountAsync(o => o.MessageType == OutboxMessageTypes.InstanceDeleted));
    }

    [Fact]
    public async Task Deleting_a_series_leaves_the_rest_of_the_study()
    {
        await StoreStudyAsync();

        int deleted = await Archive.Delete.DeleteSeriesAsync(_study, _seriesA);

        Assert.Equal(2, deleted);
        var left = await Archive.Retrieve.FindInstancesAsync(_study);
        Assert.Equal(_sops[2..], left.Select(i => i.SopInstanceUid));
        var match = Assert.Single((await QueryAsync(QueryLevel.Study)).Matches);
        Assert.Equal("1", Text(match, DicomTag.NumberOfStudyRelatedSeries));
        Assert.Equal(2, (await Archive.BlobNamesAsync()).Count);
        Assert.Equal(1, (await Archive.CountRowsAsync()).Series);
    }

    [Fact]
    public async Task Deleting_an_instance_removes_every_version_of_it()
    {
        await StoreStudyAsync();
        var replace = await IngestAsync(TestDicom.Create(_study, _seriesA, _sops[0], seed: 99), new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace });
        Assert.Equal(IngestOutcome.Replaced, replace.Outcome);

        int deleted = await Archive.Delete.DeleteInstanceAsync(_study, _seriesA, _sops[0]);

        Assert.Equal(1, deleted);
        Assert.Equal(3, (await Archive.BlobNamesAsync()).Count);
        Assert.Equal(3, (await Archive.CountRowsAsync()).Instances);
        Assert.Null(await Archive.Retrieve.FindInstanceAsync(_study, _seriesA, _sops[0]));
    }

    [Fact]
    public async Task Deleting_again_or_deleting_what_is_not_there_finds_nothing()
    {
        await StoreStudyAsync();
        await Archive.Delete.DeleteStudyAsync(_study);

        Assert.Equal(0, await Archive.Delete.DeleteStudyAsync(_study));
        Assert.Equal(0, await Archive.Delete.DeleteSeriesAsync(TestDicom.NewUid(), TestDicom.NewUid()));
        Assert.Equal(0, await Archive.Delete.DeleteInstanceAsync(_study, _seriesA, _sops[1]));
    }

    [Fact]
    public async Task Delete_interrupted_after_marking_is_finished_by_a_repeated_delete_without_announcing_twice()
    {
        await StoreStudyAsync();
        // A delete that died after its first transaction: rows Deleting, blobs still there.
        await using (var db = Archive.Database.CreateContext())
        {
            await db.Instances.ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Deleting));
        }
        Assert.Empty((await QueryAsync(QueryLevel.Study)).Matches);

        int deleted = await Archive.Delete.DeleteStudyAsync(_study);

        Assert.Equal(4, deleted);
        Assert.Empty(await Archive.BlobNamesAsync());
        Assert.Equal(0, (await Archive.CountRowsAsync()).Instances);
        await using var check = Archive.Database.CreateContext();
        Assert.Equal(0, await check.ChangeFeed.CountAsync(c => c.Action == ChangeFeedAction.Deleted));
    }
}

public sealed class SqliteDeleteTests() : DeleteTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresDeleteTests(PostgresServer postgres) : DeleteTests(DatabaseKind.Postgres, postgres);
