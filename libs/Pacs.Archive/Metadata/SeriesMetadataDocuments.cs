using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// The WADO-RS metadata of a series (PS3.18 10.4.1.1.2) kept as one stored document, so a metadata request reads one
/// object instead of parsing every instance of the series.
/// </summary>
public interface IMetadataDocuments
{
    /// <summary>
    /// The document of the series whose visible instances are <paramref name="instances"/> (as
    /// <see cref="RetrieveService.FindInstancesAsync"/> lists them, all of one series): read from the store when the
    /// version that matches them exists, built and stored otherwise.
    /// </summary>
    Task<SeriesMetadataDocument> GetSeriesAsync(IReadOnlyList<StoredInstance> instances, CancellationToken cancellationToken = default);

    /// <summary>
    /// The document of <paramref name="version"/> (from <see cref="RetrieveService.FindSeriesVersionsAsync"/>): from
    /// memory, else the stored blob, else built from the instances as they are now (then possibly a newer version);
    /// null when the series has no visible instance any more. A warm request reads neither the index nor the store.
    /// </summary>
    Task<SeriesMetadataDocument?> GetSeriesAsync(SeriesVersion version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Builds and stores the document of the series as it is now and removes older versions; removes every version
    /// when the series has no visible instance any more (then returns null). For the indexer that follows the change
    /// feed: calling it after each change keeps the first metadata request of a series as fast as the next.
    /// </summary>
    Task<SeriesMetadataDocument?> RebuildSeriesAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IMetadataDocuments"/> over the blob store: the document of a series version is the immutable blob
/// <c>metadata/v1/{study}/{series}/{version}.json</c>, beside an index of where each instance's object lies in it and
/// which watermark it came from, so a rebuild after one more instance parses that one instance only. Built on first
/// read (or by <see cref="RebuildSeriesAsync"/>); two concurrent builds of one version store identical bytes, the
/// second finds the first's and uses it. Documents live outside the instance prefix, so the sweeper's orphan scan
/// leaves them alone. The series row records the current version (<see cref="SeriesRow.MetadataVersion"/>): a build
/// reuses that version's objects and, once its own version is recorded, removes that one by name, so neither lists the
/// store (a prefix listing of the file system store walks every shard folder of the whole archive).
/// </summary>
public sealed class SeriesMetadataDocuments : IMetadataDocuments
{
    /// <summary>What BulkDataURIs start with in a stored document, instead of the base URL of a request.</summary>
    public const string BaseUrlPlaceholder = "PACSBASEURL0";

    /// <summary>Binary values up to this size are written inline; larger ones become BulkDataURIs.</summary>
    public const int InlineBinaryMaxBytes = 256;

    private const string Prefix = "metadata/v1";

    /// <summary>Default budget of the in-memory cache of recent documents: 64 MiB, about 16 series of 500 CT images.</summary>
    public const long DefaultCacheBytes = 64L * 1024 * 1024;

    private readonly RetrieveService _retrieve;
    private readonly ArchiveDatabase _database;
    private readonly IBlobStore _store;
    private readonly ILogger _logger;
    private readonly MetadataDocumentCache _cache;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<SeriesMetadataDocument>> _building = new(StringComparer.Ordinal);
    private long _instancesParsed;
    private long _documentsRead;

    /// <param name="cacheBytes">Most bytes of recent documents kept in memory (0: none).</param>
    public SeriesMetadataDocuments(RetrieveService retrieve, IBlobStore store, ILogger<SeriesMetadataDocuments>? logger = null,
        long cacheBytes = DefaultCacheBytes)
    {
        ArgumentNullException.ThrowIfNull(retrieve);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        _retrieve = retrieve;
        _database = retrieve.Database;
        _store = store;
        _logger = logger ?? NullLogger<SeriesMetadataDocuments>.Instance;
        _cache = new MetadataDocumentCache(cacheBytes);
    }

    /// <summary>Stored instances parsed to build documents since start (for tests and metrics).</summary>
    public long InstancesParsed => Interlocked.Read(ref _instancesParsed);

    /// <summary>Documents read from the blob store since start (a cache miss on a stored version; for tests and metrics).</summary>
    public long DocumentsRead => Interlocked.Read(ref _documentsRead);

    public async Task<SeriesMetadataDocument?> GetSeriesAsync(SeriesVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        var name = DocumentName(version.StudyInstanceUid, version.SeriesInstanceUid, version.Version);
        if (_cache.TryGet(name, out var cached))
            return cached;
        if (await TryReadAsync(name, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            Interlocked.Increment(ref _documentsRead);
            var document = new SeriesMetadataDocument(version.StudyInstanceUid, version.SeriesInstanceUid, version.Version, stored);
            _cache.Set(name, document);
            return document;
        }

        // Not built yet (or the series changed since the lookup): build the version the instances give now.
        var instances = await _retrieve.FindInstancesAsync(version.StudyInstanceUid, version.SeriesInstanceUid, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return instances.Count == 0 ? null : await GetSeriesAsync(instances, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps <paramref name="document"/> in the cache again after its XML representation was made, so that the budget
    /// counts it (the XML is made on first use and kept with the document).
    /// </summary>
    public void Remeasure(SeriesMetadataDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var name = DocumentName(document.StudyInstanceUid, document.SeriesInstanceUid, document.Version);
        if (_cache.TryGet(name, out var cached) && ReferenceEquals(cached, document))
            _cache.Set(name, document);
    }

    public async Task<SeriesMetadataDocument> GetSeriesAsync(IReadOnlyList<StoredInstance> instances, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count == 0)
            throw new ArgumentException("A series document needs at least one instance.", nameof(instances));
        var (study, series) = (instances[0].StudyInstanceUid, instances[0].SeriesInstanceUid);
        if (instances.Any(i => i.SeriesInstanceUid != series))
            throw new ArgumentException("The instances belong to more than one series.", nameof(instances));
        var version = VersionOf(instances);
        var name = DocumentName(study, series, version);
        if (_cache.TryGet(name, out var cached))
            return cached;
        SeriesMetadataDocument document;
        if (await TryReadAsync(name, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            Interlocked.Increment(ref _documentsRead);
            document = new SeriesMetadataDocument(study, series, version, stored);
        }
        else
        {
            document = await BuildOnceAsync(name, instances, version, cancellationToken).ConfigureAwait(false);
        }

        _cache.Set(name, document);
        return document;
    }

    public async Task<SeriesMetadataDocument?> RebuildSeriesAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studyInstanceUid);
        ArgumentNullException.ThrowIfNull(seriesInstanceUid);
        var instances = await _retrieve.FindInstancesAsync(studyInstanceUid, seriesInstanceUid, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (instances.Count == 0)
        {
            await RemoveAllVersionsAsync(studyInstanceUid, seriesInstanceUid, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var document = await GetSeriesAsync(instances, cancellationToken).ConfigureAwait(false);
        // A build records its version itself; a document found stored or cached (built by a request, or before the
        // version was recorded) is recorded here, which also removes the version recorded before it. A no-op when the
        // version is recorded already.
        await RecordAsync(studyInstanceUid, seriesInstanceUid, document.Version, cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>"{last watermark}-{count}" of the visible instances (see <see cref="SeriesMetadataDocument.Version"/>).</summary>
    public static string VersionOf(IReadOnlyList<StoredInstance> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        return string.Create(CultureInfo.InvariantCulture, $"{instances.Max(i => i.Watermark)}-{instances.Count}");
    }

    private static string SeriesFolder(string study, string series) => $"{Prefix}/{study}/{series}/";

    private static string DocumentName(string study, string series, string version) => $"{SeriesFolder(study, series)}{version}.json";

    private static string IndexName(string study, string series, string version) => $"{SeriesFolder(study, series)}{version}.index";

    private async Task<byte[]?> TryReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await _store.OpenReadAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// One build per document at a time in this process: viewers that open a series just stored, and the indexer's
    /// rebuild, wait for the same build instead of each parsing the new instances.
    /// </summary>
    private async Task<SeriesMetadataDocument> BuildOnceAsync(string name, IReadOnlyList<StoredInstance> instances, string version,
        CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<SeriesMetadataDocument>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _building.GetOrAdd(name, mine.Task);
        if (running != mine.Task)
            return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The build itself is not cancelled by this caller leaving: others may be waiting for it.
            var document = await BuildAsync(instances, version, CancellationToken.None).ConfigureAwait(false);
            _cache.Set(name, document);
            mine.SetResult(document);
            return document;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            throw;
        }
        finally
        {
            _building.TryRemove(name, out _);
        }
    }

    private async Task<SeriesMetadataDocument> BuildAsync(IReadOnlyList<StoredInstance> instances, string version, CancellationToken cancellationToken)
    {
        var (study, series) = (instances[0].StudyInstanceUid, instances[0].SeriesInstanceUid);
        var recorded = await RecordedVersionAsync(series, cancellationToken).ConfigureAwait(false);
        var reusable = recorded.Version is { } previous && previous != version
            ? await ReusableObjectsAsync(study, series, previous, cancellationToken).ConfigureAwait(false)
            : [];
        using var json = new MemoryStream();
        var index = new StringBuilder();
        json.WriteByte((byte)'[');
        for (var i = 0; i < instances.Count; i++)
        {
            if (i > 0)
                json.WriteByte((byte)',');
            var instance = instances[i];
            if (!reusable.TryGetValue(instance.Watermark, out var bytes))
                bytes = await InstanceJsonAsync(instance, cancellationToken).ConfigureAwait(false);
            index.Append(CultureInfo.InvariantCulture, $"{instance.Watermark} {json.Position} {bytes.Length}\n");
            json.Write(bytes);
        }

        json.WriteByte((byte)']');
        var document = new SeriesMetadataDocument(study, series, version, json.ToArray());
        // The index first: a document found without its index is still served, only not reused by the next build.
        bool stored = await PutOnceAsync(IndexName(study, series, version), Encoding.ASCII.GetBytes(index.ToString()), "text/plain", cancellationToken).ConfigureAwait(false)
            && await PutOnceAsync(DocumentName(study, series, version), document.Json, "application/dicom+json", cancellationToken).ConfigureAwait(false);
        if (stored)
            await RecordAsync(study, series, version, cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>True when the blob is stored (by this call or an earlier build of the same version).</summary>
    private async Task<bool> PutOnceAsync(string name, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            await _store.PutAsync(name, stream, new BlobPutOptions { ContentType = contentType }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BlobAlreadyExistsException)
        {
            // A concurrent build of the same version stored it first; versions are immutable, so its bytes are these.
            return true;
        }
        catch (BlobStoreException e)
        {
            // The document is a cache of what the instances hold: failing to keep it costs time, not data.
            _logger.LogWarning(e, "Could not store metadata document {Name}", name);
            return false;
        }
    }

    /// <summary>Whether the series has a row, and the document version recorded in it.</summary>
    private async Task<(bool Exists, string? Version)> RecordedVersionAsync(string series, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = _database.CreateContext();
            var row = await db.Series.AsNoTracking().Where(s => s.SeriesInstanceUid == series)
                .Select(s => new { s.MetadataVersion }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return (row is not null, row?.MetadataVersion);
        }
        catch (DbException e)
        {
            _logger.LogWarning(e, "Could not read the metadata document version of series {Series}; building from the instances", series);
            return (true, null);
        }
    }

    private enum RecordOutcome
    {
        Recorded,
        AlreadyRecorded,
        Stale,
        NoSeries,
        Raced,
    }

    /// <summary>
    /// Records <paramref name="version"/> as the series' current document and removes the version recorded before it;
    /// or, when the index has moved on (an older build finishing late) or the series is gone, removes
    /// <paramref name="version"/> instead. Recorded only while it is the version the visible instances give now,
    /// compared and swapped against the value read first: a version can be lower than the one it follows (deleting the
    /// newest instance lowers the watermark), so the order of versions is the index's, not the strings'.
    /// </summary>
    private async Task RecordAsync(string study, string series, string version, CancellationToken cancellationToken)
    {
        try
        {
            for (int attempt = 0; attempt < 5; attempt++)
            {
                var (outcome, previous) = await _database.WriteAsync((db, token) => TryRecordAsync(db, series, version, token),
                    durable: false, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case RecordOutcome.Recorded:
                        if (previous is not null)
                            await DeleteVersionAsync(study, series, previous, cancellationToken).ConfigureAwait(false);
                        return;
                    case RecordOutcome.Stale or RecordOutcome.NoSeries:
                        // Nobody will look this version up by name again: the next build reuses the recorded one.
                        await DeleteVersionAsync(study, series, version, cancellationToken).ConfigureAwait(false);
                        return;
                    case RecordOutcome.AlreadyRecorded:
                        return;
                }
            }

            _logger.LogWarning("Metadata document version {Version} of series {Series} not recorded: the recorded version kept changing", version, series);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or BlobStoreException)
        {
            // Costs the next build a full parse (and leaves this version's blobs behind), not data.
            _logger.LogWarning(e, "Could not record metadata document version {Version} of series {Series}", version, series);
        }
    }

    private static async Task<(RecordOutcome Outcome, string? Previous)> TryRecordAsync(ArchiveDbContext db, string series, string version,
        CancellationToken cancellationToken)
    {
        var row = await db.Series.AsNoTracking().Where(s => s.SeriesInstanceUid == series)
            .Select(s => new
            {
                s.Id,
                s.MetadataVersion,
                Last = db.Instances.Where(i => i.SeriesRowId == s.Id && i.Status == InstanceStatus.Created).Max(i => (long?)i.Watermark),
                Count = db.Instances.Count(i => i.SeriesRowId == s.Id && i.Status == InstanceStatus.Created),
            })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (row is null)
            return (RecordOutcome.NoSeries, null);
        if (row.MetadataVersion == version)
            return (RecordOutcome.AlreadyRecorded, null);
        var current = row.Last is { } last ? string.Create(CultureInfo.InvariantCulture, $"{last}-{row.Count}") : null;
        if (current != version)
            return (RecordOutcome.Stale, null);
        // Compare-and-swap on the value read above: a concurrent recording in between makes this update no row.
        var previous = row.MetadataVersion;
        int updated = await db.Series.Where(s => s.Id == row.Id && s.MetadataVersion == previous)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.MetadataVersion, version), cancellationToken).ConfigureAwait(false);
        return updated == 1 ? (RecordOutcome.Recorded, previous) : (RecordOutcome.Raced, null);
    }

    /// <summary>Clears the recorded version of a series whose instances are all gone, then removes that version's blobs.</summary>
    private async Task RemoveAllVersionsAsync(string study, string series, CancellationToken cancellationToken)
    {
        var recorded = await RecordedVersionAsync(series, cancellationToken).ConfigureAwait(false);
        if (!recorded.Exists)
        {
            // The only listing left: the row (and with it the recorded version) is gone once every instance was
            // deleted, so the documents of the series can only be found by their folder. It walks the whole file
            // system store, but runs once per deleted series, not on every change.
            await RemoveVersionsByListingAsync(study, series, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (recorded.Version is not { } version)
            return;
        int cleared = await _database.WriteAsync(async (db, token) =>
            await db.Series.Where(s => s.SeriesInstanceUid == series && s.MetadataVersion == version)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.MetadataVersion, (string?)null), token).ConfigureAwait(false),
            durable: false, cancellationToken).ConfigureAwait(false);
        if (cleared == 1)
            await DeleteVersionAsync(study, series, version, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteVersionAsync(string study, string series, string version, CancellationToken cancellationToken)
    {
        await _store.DeleteAsync(DocumentName(study, series, version), cancellationToken).ConfigureAwait(false);
        await _store.DeleteAsync(IndexName(study, series, version), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The instance objects of the recorded version of the series, by the watermark they were built from.</summary>
    private async Task<Dictionary<long, byte[]>> ReusableObjectsAsync(string study, string series, string previous, CancellationToken cancellationToken)
    {
        var reusable = new Dictionary<long, byte[]>();
        try
        {
            if (await TryReadAsync(DocumentName(study, series, previous), cancellationToken).ConfigureAwait(false) is not { } json
                || await TryReadAsync(IndexName(study, series, previous), cancellationToken).ConfigureAwait(false) is not { } index)
            {
                return reusable;
            }

            foreach (var line in Encoding.ASCII.GetString(index).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = line.Split(' ');
                if (fields.Length == 3 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var watermark)
                    && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                    && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    && start >= 0 && length >= 0 && start + length <= json.Length)
                {
                    reusable[watermark] = json.AsSpan(start, length).ToArray();
                }
            }
        }
        catch (BlobStoreException e)
        {
            _logger.LogWarning(e, "Could not read the previous metadata document of series {Series}; building from the instances", series);
        }

        return reusable;
    }

    private async Task RemoveVersionsByListingAsync(string study, string series, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var blob in _store.ListAsync(SeriesFolder(study, series), cancellationToken: cancellationToken).ConfigureAwait(false))
            names.Add(blob.Name);

        foreach (var name in names)
            await _store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One instance's metadata as a DICOM JSON object, BulkDataURIs under the placeholder base URL.</summary>
    private async Task<byte[]> InstanceJsonAsync(StoredInstance instance, CancellationToken cancellationToken)
    {
        var dataset = await ReadHeaderAsync(_retrieve, instance, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _instancesParsed);
        return DicomJsonWriter.SerializeToUtf8Bytes(dataset, WriterOptions(instance, BaseUrlPlaceholder));
    }

    /// <summary>The writer options whose BulkDataURIs name the instance under <paramref name="baseUrl"/> and each value's place in its stored object.</summary>
    public static DicomModelWriterOptions WriterOptions(StoredInstance instance, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var instanceUrl = $"{baseUrl}/studies/{instance.StudyInstanceUid}/series/{instance.SeriesInstanceUid}/instances/{instance.SopInstanceUid}";
        var frames = instance.Frames?.Count ?? instance.NumberOfFrames ?? 1;
        return new DicomModelWriterOptions
        {
            InlineBinaryMaxBytes = InlineBinaryMaxBytes,
            BulkDataUriFactory = element => BulkDataUri(instanceUrl, element, frames),
        };
    }

    private static string? BulkDataUri(string instanceUrl, DicomElement element, int frames)
    {
        if (element is DicomFragmentSequence)
        {
            // PS3.18 F.2.6: encapsulated pixel data is reached through the frames resource.
            return $"{instanceUrl}/frames/{string.Join(',', Enumerable.Range(1, frames))}";
        }

        if (element.BulkData is { } reference && !reference.BigEndian)
            return $"{instanceUrl}/bulkdata/{reference.Offset.ToString(CultureInfo.InvariantCulture)}-{reference.Length.ToString(CultureInfo.InvariantCulture)}";
        if (element.BulkData is null && element.ValueOffset >= 0)
            return $"{instanceUrl}/bulkdata/{element.ValueOffset.ToString(CultureInfo.InvariantCulture)}-{element.Value.Length.ToString(CultureInfo.InvariantCulture)}";
        return null;
    }

    /// <summary>The header of a stored object, with large values left in place as references (offsets into the stored bytes).</summary>
    public static async Task<DicomDataset> ReadHeaderAsync(RetrieveService retrieve, StoredInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retrieve);
        ArgumentNullException.ThrowIfNull(instance);
        // A temporary copy: the reader needs a seekable source to leave bulk data in place.
        var path = Path.Combine(Path.GetTempPath(), $"pacs-metadata-{Guid.NewGuid():N}.dcm");
        try
        {
            await using (var source = await retrieve.OpenAsync(instance, null, cancellationToken).ConfigureAwait(false))
            await using (var target = File.Create(path))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            return DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = InlineBinaryMaxBytes }).Dataset;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
