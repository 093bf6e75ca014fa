using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pacs.Archive.Tests.Support;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Metadata;

/// <summary>
/// The series row records the version of its current metadata document, so a rebuild reuses the previous document
/// and removes it by name: no listing of the store, whose file system form walks every shard folder of the archive.
/// </summary>
public abstract class SeriesMetadataVersionTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private readonly string _study = TestDicom.NewUid();
    private readonly string _series = TestDicom.NewUid();
    private int _seed;

    private FaultyBlobStore? _store;

    /// <summary>The real store of the archive, with its listings counted (no fault armed).</summary>
    private FaultyBlobStore Store => _store ??= new FaultyBlobStore(Archive.InnerStore);

    private SeriesMetadataDocuments NewDocuments() => new(new RetrieveService(Archive.Database, Store), Store);

    private async Task AddInstanceAsync() =>
        Assert.True((await IngestAsync(TestDicom.Create(_study, _series, TestDicom.NewUid(), seed: ++_seed))).Succeeded);

    private async Task<string?> RecordedVersionAsync()
    {
        await using var db = Archive.Database.CreateContext();
        return await db.Series.Where(s => s.SeriesInstanceUid == _series).Select(s => s.MetadataVersion).SingleAsync();
    }

    private string BlobName(string version, string extension) => $"metadata/v1/{_study}/{_series}/{version}.{extension}";

    private async Task<bool> VersionStoredAsync(string version) =>
        await Archive.InnerStore.ExistsAsync(BlobName(version, "json")) | await Archive.InnerStore.ExistsAsync(BlobName(version, "index"));

    private static int InstancesIn(SeriesMetadataDocument document)
    {
        using var json = JsonDocument.Parse(document.Json);
        return json.RootElement.GetArrayLength();
    }

    [Fact]
    public async Task A_rebuild_after_one_more_instance_records_its_version_removes_the_previous_one_and_parses_only_the_new_instance_without_listing()
    {
        await AddInstanceAsync();
        await AddInstanceAsync();
        var documents = NewDocuments();
        var first = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(first);
        Assert.Equal(first.Version, await RecordedVersionAsync());
        Assert.Equal(2, documents.InstancesParsed);

        await AddInstanceAsync();
        var second = await documents.RebuildSeriesAsync(_study, _series);

        Assert.NotNull(second);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal(3, InstancesIn(second));
        Assert.Equal(second.Version, await RecordedVersionAsync());
        Assert.True(await Archive.InnerStore.ExistsAsync(BlobName(second.Version, "json")));
        Assert.True(await Archive.InnerStore.ExistsAsync(BlobName(second.Version, "index")));
        Assert.False(await VersionStoredAsync(first.Version));
        Assert.Equal(3, documents.InstancesParsed); // the two earlier objects came from the recorded document
        Assert.Equal(0, Store.Listings);
    }

    [Fact]
    public async Task A_document_built_on_a_request_is_recorded_and_replaces_the_previous_version_without_listing()
    {
        await AddInstanceAsync();
        var documents = NewDocuments();
        var first = await documents.GetSeriesAsync(await Archive.Retrieve.FindInstancesAsync(_study, _series));
        Assert.Equal(first.Version, await RecordedVersionAsync());

        await AddInstanceAsync();
        var second = await documents.GetSeriesAsync(await Archive.Retrieve.FindInstancesAsync(_study, _series));

        Assert.Equal(second.Version, await RecordedVersionAsync());
        Assert.False(await VersionStoredAsync(first.Version));
        Assert.Equal(2, documents.InstancesParsed);
        Assert.Equal(0, Store.Listings);
    }

    [Fact]
    public async Task A_late_build_of_an_older_version_does_not_move_the_recorded_version_back()
    {
        await AddInstanceAsync();
        await AddInstanceAsync();
        var older = await Archive.Retrieve.FindInstancesAsync(_study, _series);
        await AddInstanceAsync();
        var current = await NewDocuments().RebuildSeriesAsync(_study, _series);
        Assert.NotNull(current);

        // A request that listed the instances before the third arrived finishes its build only now (another process,
        // so nothing of the rebuild is in its memory).
        var late = await NewDocuments().GetSeriesAsync(older);

        Assert.Equal(2, InstancesIn(late));
        Assert.Equal(current.Version, await RecordedVersionAsync());
        Assert.True(await Archive.InnerStore.ExistsAsync(BlobName(current.Version, "json")));
        Assert.True(await Archive.InnerStore.ExistsAsync(BlobName(current.Version, "index")));
        Assert.False(await VersionStoredAsync(late.Version)); // nobody will ask for it by name again
        Assert.Equal(0, Store.Listings);
    }

    [Fact]
    public async Task Deleting_the_newest_instance_records_the_lower_version_it_leaves()
    {
        await AddInstanceAsync();
        await AddInstanceAsync();
        var newest = TestDicom.NewUid();
        Assert.True((await IngestAsync(TestDicom.Create(_study, _series, newest, seed: 99))).Succeeded);
        var documents = NewDocuments();
        var before = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(before);

        Assert.Equal(1, await Archive.Delete.DeleteInstanceAsync(_study, _series, newest));
        var after = await documents.RebuildSeriesAsync(_study, _series);

        // The watermark of the series went down: the version is newer all the same.
        Assert.NotNull(after);
        Assert.Equal(2, InstancesIn(after));
        Assert.Equal(after.Version, await RecordedVersionAsync());
        Assert.False(await VersionStoredAsync(before.Version));
        Assert.Equal(3, documents.InstancesParsed);
        Assert.Equal(0, Store.Listings);
    }

    [Fact]
    public async Task A_series_whose_instances_are_all_deleted_loses_its_documents()
    {
        await AddInstanceAsync();
        var documents = NewDocuments();
        var built = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(built);

        Assert.Equal(1, await Archive.Delete.DeleteSeriesAsync(_study, _series));

        Assert.Null(await documents.RebuildSeriesAsync(_study, _series));
        Assert.False(await VersionStoredAsync(built.Version));
    }
}

public sealed class SqliteSeriesMetadataVersionTests() : SeriesMetadataVersionTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresSeriesMetadataVersionTests(PostgresServer postgres) : SeriesMetadataVersionTests(DatabaseKind.Postgres, postgres);
