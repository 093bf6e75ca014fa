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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<Built>> _building = new(StringComparer.Ordinal);
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

    public async Task<SeriesMetadataDocument> GetSeriesAsync(IReadOnlyList<StoredInstance> instances, CancellationToken cancellationToken = default) =>
        (await GetOrBuildAsync(instances, cancellationToken).ConfigureAwait(false)).Document;

    /// <summary>A document, and whether a build stored and recorded it (then nobody needs to record it again).</summary>
    private readonly record struct Built(SeriesMetadataDocument Document, bool Recorded);

    private async Task<Built> GetOrBuildAsync(IReadOnlyList<StoredInstance> instances, CancellationToken cancellationToken)
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
            return new Built(cached, false);
        if (await TryReadAsync(name, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            Interlocked.Increment(ref _documentsRead);
            var document = new SeriesMetadataDocument(study, series, version, stored);
            _cache.Set(name, document);
            return new Built(document, false);
        }

        // The build keeps its document in the cache itself.
        return await BuildOnceAsync(name, instances, version, cancellationToken).ConfigureAwait(false);
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

        var (document, recorded) = await GetOrBuildAsync(instances, cancellationToken).ConfigureAwait(false);
        // A build records its version itself (no second transaction for it); a document found stored or cached (built
        // by a request, or before the version was recorded) is recorded here, which also removes the version recorded
        // before it. A no-op when the version is recorded already.
        if (!recorded)
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
    private async Task<Built> BuildOnceAsync(string name, IReadOnlyList<StoredInstance> instances, string version,
        CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<Built>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _building.GetOrAdd(name, mine.Task);
        if (running != mine.Task)
            return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The build itself is not cancelled by this caller leaving: others may be waiting for it.
            var built = await BuildAsync(instances, version, CancellationToken.None).ConfigureAwait(false);
            _cache.Set(name, built.Document);
            mine.SetResult(built);
            return built;
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

    /// <summary>
    /// Builds the document of <paramref name="instances"/>: the object of an instance whose row (watermark) the previous
    /// version holds is copied from it, only new and replaced instances are read and rendered, and deleted ones are
    /// simply not copied. The bytes are those of a build from nothing: each object depends on its row and stored object
    /// only, and the order is the instances' (retrieve order).
    /// </summary>
    private async Task<Built> BuildAsync(IReadOnlyList<StoredInstance> instances, string version, CancellationToken cancellationToken)
    {
        var (study, series) = (instances[0].StudyInstanceUid, instances[0].SeriesInstanceUid);
        var previous = await PreviousObjectsAsync(study, series, version, cancellationToken).ConfigureAwait(false);
        using var json = new MemoryStream(previous.Json.Length + 64);
        var objects = new InstanceObject[instances.Count];
        json.WriteByte((byte)'[');
        for (var i = 0; i < instances.Count; i++)
        {
            if (i > 0)
                json.WriteByte((byte)',');
            var instance = instances[i];
            var bytes = previous.TryGet(instance.Watermark, out var reused)
                ? reused
                : await InstanceJsonAsync(instance, cancellationToken).ConfigureAwait(false);
            objects[i] = new InstanceObject(instance.Watermark, checked((int)json.Position), bytes.Length);
            json.Write(bytes.Span);
        }

        json.WriteByte((byte)']');
        var document = new SeriesMetadataDocument(study, series, version, json.ToArray()) { Objects = objects };
        var index = new StringBuilder(objects.Length * 24);
        foreach (var o in objects)
            index.Append(CultureInfo.InvariantCulture, $"{o.Watermark} {o.Start} {o.Length}\n");
        // The index first: a document found without its index is still served, only not reused by the next build.
        bool stored = await PutOnceAsync(IndexName(study, series, version), Encoding.ASCII.GetBytes(index.ToString()), "text/plain", cancellationToken).ConfigureAwait(false)
            && await PutOnceAsync(DocumentName(study, series, version), document.Json, "application/dicom+json", cancellationToken).ConfigureAwait(false);
        if (stored)
            await RecordAsync(study, series, version, cancellationToken).ConfigureAwait(false);
        return new Built(document, stored);
    }

    /// <summary>
    /// The instance objects a build of <paramref name="version"/> can copy: those of the series' document last built in
    /// this process (no read of the index or the store), else those of the version recorded on the series row.
    /// </summary>
    private async Task<ReusableObjects> PreviousObjectsAsync(string study, string series, string version, CancellationToken cancellationToken)
    {
        if (_cache.TryGetLatestBuilt(study, series, out var latest) && latest.Objects is { } objects)
            return new ReusableObjects(latest.Json, objects);
        var recorded = await RecordedVersionAsync(series, cancellationToken).ConfigureAwait(false);
        return recorded.Version is { } previous && previous != version
            ? await ReusableObjectsAsync(study, series, previous, cancellationToken).ConfigureAwait(false)
            : ReusableObjects.None;
    }

    /// <summary>Instance objects of an earlier document, by the watermark of the row each was built from.</summary>
    private sealed class ReusableObjects
    {
        public static readonly ReusableObjects None = new([], []);

        private readonly Dictionary<long, (int Start, int Length)> _byWatermark;

        public ReusableObjects(byte[] json, IReadOnlyList<InstanceObject> objects)
        {
            Json = json;
            _byWatermark = new Dictionary<long, (int, int)>(objects.Count);
            foreach (var o in objects)
            {
                if (o.Start >= 0 && o.Length >= 0 && (long)o.Start + o.Length <= json.Length)
                    _byWatermark[o.Watermark] = (o.Start, o.Length);
            }
        }

        public byte[] Json { get; }

        public bool TryGet(long watermark, out ReadOnlyMemory<byte> bytes)
        {
            if (_byWatermark.TryGetValue(watermark, out var at))
            {
                bytes = Json.AsMemory(at.Start, at.Length);
                return true;
            }

            bytes = default;
            return false;
        }
    }

    /// <summary>True when the blob is stored (by this call or an earlier build of the same version).</summary>
    private async Task<bool> PutOnceAsync(string name, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            await _store.PutAsync(name, stream, new BlobPutOptions { ContentType = contentType, ReadSoon = true }, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The instance objects of version <paramref name="previous"/> of the series, from its stored document and index.</summary>
    private async Task<ReusableObjects> ReusableObjectsAsync(string study, string series, string previous, CancellationToken cancellationToken)
    {
        try
        {
            // The document may still be in memory (read by a request); the index is read from the store either way.
            if (await TryReadAsync(IndexName(study, series, previous), cancellationToken).ConfigureAwait(false) is not { } index)
                return ReusableObjects.None;
            var json = _cache.TryGet(DocumentName(study, series, previous), out var cached)
                ? cached.Json
                : await TryReadAsync(DocumentName(study, series, previous), cancellationToken).ConfigureAwait(false);
            if (json is null)
                return ReusableObjects.None;

            return new ReusableObjects(json, ParseIndex(index));
        }
        catch (BlobStoreException e)
        {
            _logger.LogWarning(e, "Could not read the previous metadata document of series {Series}; building from the instances", series);
            return ReusableObjects.None;
        }
    }

    /// <summary>The lines "{watermark} {start} {length}" of a stored index; a line that does not parse is left out.</summary>
    private static List<InstanceObject> ParseIndex(byte[] index)
    {
        var objects = new List<InstanceObject>();
        foreach (var line in Encoding.ASCII.GetString(index).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length == 3 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var watermark)
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                objects.Add(new InstanceObject(watermark, start, length));
            }
        }

        return objects;
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
    private async Task<ReadOnlyMemory<byte>> InstanceJsonAsync(StoredInstance instance, CancellationToken cancellationToken)
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

    /// <summary>
    /// The header of a stored object, with values over <see cref="InlineBinaryMaxBytes"/> left in place as references
    /// (offsets into the stored bytes). Read from the blob itself: the first bytes ahead, large values skipped without
    /// reading them (<see cref="StoredObjectHeaderStream"/>), nothing copied to a temporary file.
    /// </summary>
    public static async Task<DicomDataset> ReadHeaderAsync(RetrieveService retrieve, StoredInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retrieve);
        ArgumentNullException.ThrowIfNull(instance);
        await using var stream = await StoredObjectHeaderStream.OpenAsync(
            (offset, token) => retrieve.OpenAsync(instance, offset == 0 ? null : BlobRange.From(offset), token), cancellationToken).ConfigureAwait(false);
        return DicomFile.Read(stream, HeaderReadOptions).Dataset;
    }

    private static readonly DicomReadOptions HeaderReadOptions = new() { BulkDataThresholdBytes = InlineBinaryMaxBytes };
}
