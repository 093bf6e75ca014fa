using System.Text;
using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Metadata;

/// <summary>
/// A new version of a series document copies the objects of unchanged instances from the previous version and reads
/// only new and replaced instances, straight from their blobs; the bytes are those of a build from nothing, which is
/// checked against each instance parsed from a file copy of its stored object (how documents were built before).
/// </summary>
public abstract class SeriesMetadataIncrementalTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private readonly string _study = TestDicom.NewUid();
    private readonly string _series = TestDicom.NewUid();

    private SeriesMetadataDocuments NewDocuments() => new(new RetrieveService(Archive.Database, Archive.Store), Archive.Store);

    /// <summary>An instance whose Instance Number is <paramref name="seed"/> + 1, so the retrieve order is not the order of storing.</summary>
    private async Task<string> AddAsync(int seed, string? sop = null, DuplicatePolicy? policy = null)
    {
        sop ??= TestDicom.NewUid();
        var result = await IngestAsync(TestDicom.Create(_study, _series, sop, seed: seed), new IngestOptions { DuplicatePolicy = policy });
        Assert.True(result.Succeeded);
        return sop;
    }

    /// <summary>
    /// The document a build from nothing gives: every instance in retrieve order, its stored object copied to a file and
    /// parsed from there, rendered with the document's writer options.
    /// </summary>
    private async Task<string> FullBuildAsync()
    {
        var instances = await Archive.Retrieve.FindInstancesAsync(_study, _series);
        var json = new StringBuilder("[");
        using var folder = new TempFolder();
        for (int i = 0; i < instances.Count; i++)
        {
            var path = Path.Combine(folder.Path, $"{i}.dcm");
            await File.WriteAllBytesAsync(path, await ReadStoredAsync(instances[i]));
            var dataset = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = SeriesMetadataDocuments.InlineBinaryMaxBytes }).Dataset;
            if (i > 0)
                json.Append(',');
            json.Append(Encoding.UTF8.GetString(DicomJsonWriter.SerializeToUtf8Bytes(dataset,
                SeriesMetadataDocuments.WriterOptions(instances[i], SeriesMetadataDocuments.BaseUrlPlaceholder))));
        }

        return json.Append(']').ToString();
    }

    private static List<string> SopUids(SeriesMetadataDocument document) =>
        [.. DicomJsonReader.ReadDatasets(document.Json).Select(d => d.GetString(DicomTag.SOPInstanceUID)!)];

    [Fact]
    public async Task Rebuilds_after_adds_a_replace_and_a_delete_parse_only_new_instances_and_equal_a_build_from_nothing()
    {
        var documents = NewDocuments();
        var first = await AddAsync(seed: 50);
        await AddAsync(seed: 10);
        var third = await AddAsync(seed: 30);
        var built = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(built);
        Assert.Equal(3, documents.InstancesParsed);
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));

        // Two more, ordered between the earlier ones by Instance Number.
        await AddAsync(seed: 20);
        await AddAsync(seed: 40);
        built = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(built);
        Assert.Equal(5, documents.InstancesParsed);
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));

        // A replacement is a new row: it is read again, and moves to its new place (Instance Number 6).
        await AddAsync(seed: 5, sop: first, policy: DuplicatePolicy.Replace);
        built = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(built);
        Assert.Equal(6, documents.InstancesParsed);
        Assert.Equal(first, SopUids(built)[0]);
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));

        // A delete reads nothing: its object is simply not copied.
        Assert.Equal(1, await Archive.Delete.DeleteInstanceAsync(_study, _series, third));
        built = await documents.RebuildSeriesAsync(_study, _series);
        Assert.NotNull(built);
        Assert.Equal(6, documents.InstancesParsed);
        Assert.Equal(4, SopUids(built).Count);
        Assert.DoesNotContain(third, SopUids(built));
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));
    }

    [Fact]
    public async Task Another_process_copies_the_objects_of_the_recorded_version_from_the_store_and_equals_a_build_from_nothing()
    {
        await AddAsync(seed: 7);
        await AddAsync(seed: 3);
        Assert.NotNull(await NewDocuments().RebuildSeriesAsync(_study, _series));
        await AddAsync(seed: 5);

        // Nothing of the first build is in this one's memory: it finds the recorded version through the series row.
        var other = NewDocuments();
        var built = await other.RebuildSeriesAsync(_study, _series);

        Assert.NotNull(built);
        Assert.Equal(1, other.InstancesParsed);
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));
    }

    [Fact]
    public async Task Without_a_memory_cache_a_rebuild_still_copies_from_the_recorded_version()
    {
        var documents = new SeriesMetadataDocuments(new RetrieveService(Archive.Database, Archive.Store), Archive.Store, cacheBytes: 0);
        await AddAsync(seed: 2);
        Assert.NotNull(await documents.RebuildSeriesAsync(_study, _series));
        await AddAsync(seed: 1);
        var built = await documents.RebuildSeriesAsync(_study, _series);

        Assert.NotNull(built);
        Assert.Equal(2, documents.InstancesParsed);
        Assert.Equal(await FullBuildAsync(), Encoding.UTF8.GetString(built.Json));
    }
}

public sealed class SqliteSeriesMetadataIncrementalTests() : SeriesMetadataIncrementalTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresSeriesMetadataIncrementalTests(PostgresServer postgres) : SeriesMetadataIncrementalTests(DatabaseKind.Postgres, postgres);

/// <summary>
/// Headers are parsed from the stored object itself: the same data set as from a file copy of it, with large values
/// skipped instead of read, and an element after a large value reached by a range read from its offset. On the file
/// system store and on Azure Blob (Azurite), whose range reads are HTTP requests.
/// </summary>
public abstract class StoredObjectHeaderTests() : ArchiveTestBase(DatabaseKind.Sqlite)
{
    private static readonly DicomTag PrivateCreator = new(0x00090010);
    private static readonly DicomTag PrivateBlob = new(0x00091010);
    private static readonly DicomTag TrailingCreator = new(0x7FE10010);
    private static readonly DicomTag TrailingText = new(0x7FE11001);

    private async Task<StoredInstance> StoreAsync(byte[] part)
    {
        var result = await IngestAsync(part);
        Assert.True(result.Succeeded, $"{result.Outcome}: {result.FailureDescription}");
        return Assert.Single(await Archive.Retrieve.FindInstancesAsync(result.StudyInstanceUid!, result.SeriesInstanceUid, result.SopInstanceUid));
    }

    private async Task<string> FromFileAsync(StoredInstance instance)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "object.dcm");
        await File.WriteAllBytesAsync(path, await ReadStoredAsync(instance));
        var dataset = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = SeriesMetadataDocuments.InlineBinaryMaxBytes }).Dataset;
        return Render(instance, dataset);
    }

    private static string Render(StoredInstance instance, DicomDataset dataset) =>
        Encoding.UTF8.GetString(DicomJsonWriter.SerializeToUtf8Bytes(dataset, SeriesMetadataDocuments.WriterOptions(instance, "http://host")));

    private Task<StoredObjectHeaderStream> OpenAsync(StoredInstance instance) =>
        StoredObjectHeaderStream.OpenAsync((offset, token) => Archive.Store.OpenReadAsync(instance.BlobName, offset == 0 ? null : BlobRange.From(offset), token),
            CancellationToken.None);

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static TheoryData<string> Objects => ["small", "long header", "deflated"];

    private static byte[] Create(string name) => name switch
    {
        // Smaller than the read-ahead: read in one go.
        "small" => TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: 1),
        // 300 items of small values: a header several times the read-ahead, read on from the open blob.
        "long header" => TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: 2, edit: ds => ds.SetSequence(
            DicomTag.ReferencedImageSequence, [.. Enumerable.Range(0, 300).Select(i => new DicomDataset()
                .Set(DicomTag.ReferencedSOPClassUID, TestDicom.CtImageStorage).Set(DicomTag.ReferencedSOPInstanceUID, $"1.2.3.{i}"))])),
        "deflated" => TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: 3,
            transferSyntax: DicomTransferSyntax.DeflatedExplicitVRLittleEndian),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public async Task The_header_read_from_the_blob_is_the_header_read_from_a_file_copy(string name)
    {
        var instance = await StoreAsync(Create(name));
        var dataset = await SeriesMetadataDocuments.ReadHeaderAsync(Archive.Retrieve, instance, CancellationToken.None);
        Assert.Equal(await FromFileAsync(instance), Render(instance, dataset));
    }

    [Fact]
    public async Task Pixel_data_at_the_end_is_skipped_without_reading_it()
    {
        // 1 MiB of pixels (512 × 512 × 16 bits × 2 frames).
        var part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: 4, edit: ds =>
        {
            ds.SetValues(DicomTag.Rows, (ushort)512);
            ds.SetValues(DicomTag.Columns, (ushort)512);
            ds.Set(DicomTag.NumberOfFrames, "2");
            ds.SetValues(DicomTag.PixelData, DicomVR.OW, Bytes(512 * 512 * 2 * 2, 4));
        });
        var instance = await StoreAsync(part);

        await using var stream = await OpenAsync(instance);
        var dataset = DicomFile.Read(stream, new DicomReadOptions { BulkDataThresholdBytes = SeriesMetadataDocuments.InlineBinaryMaxBytes }).Dataset;

        Assert.Equal(await FromFileAsync(instance), Render(instance, dataset));
        Assert.True(stream.BytesRead <= StoredObjectHeaderStream.PrefetchBytes, $"{stream.BytesRead} bytes read of {part.Length}");
        Assert.Equal(0, stream.Reopens);
    }

    [Fact]
    public async Task Elements_after_a_large_value_are_read_by_range_from_their_offset()
    {
        // A 200 KB private value amid the header, and elements after 300 KB of pixel data.
        var part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: 5, edit: ds =>
        {
            ds.Set(PrivateCreator, "PACS TEST");
            ds.SetValues(PrivateBlob, DicomVR.OB, Bytes(200_000, 5));
            ds.SetValues(DicomTag.Rows, (ushort)300);
            ds.SetValues(DicomTag.Columns, (ushort)500);
            ds.SetValues(DicomTag.PixelData, DicomVR.OW, Bytes(300 * 500 * 2, 6));
            ds.Set(TrailingCreator, "PACS TEST");
            ds.Set(TrailingText, DicomVR.LO, "after the pixels");
        });
        var instance = await StoreAsync(part);

        await using var stream = await OpenAsync(instance);
        var dataset = DicomFile.Read(stream, new DicomReadOptions { BulkDataThresholdBytes = SeriesMetadataDocuments.InlineBinaryMaxBytes }).Dataset;

        var json = Render(instance, dataset);
        Assert.Equal(await FromFileAsync(instance), json);
        Assert.Equal("after the pixels", dataset.GetString(TrailingText));
        Assert.Contains("\"00091010\":{\"vr\":\"OB\",\"BulkDataURI\"", json, StringComparison.Ordinal);
        Assert.Equal(2, stream.Reopens); // after the private value, and after the pixel data
        Assert.True(stream.BytesRead < 100_000, $"{stream.BytesRead} bytes read of {part.Length}");
    }
}

public sealed class FileSystemStoredObjectHeaderTests : StoredObjectHeaderTests;

[Collection(ArchiveAzuriteCollection.Name)]
public sealed class AzureStoredObjectHeaderTests(AzuriteFixture azurite) : StoredObjectHeaderTests
{
    protected override Task<ArchiveBackend> CreateBackendAsync(DatabaseKind kind, PostgresServer? postgres, ArchiveOptions options) =>
        ArchiveBackend.CreateAsync(kind, postgres, azurite, options);
}
