using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>What to do when an instance arrives whose SOP Instance UID is stored with different bytes.</summary>
public enum DuplicatePolicy
{
    /// <summary>Refuse it (failure reason 45070, 0xB00E). The safe default: originals are not overwritten by accident.</summary>
    Reject,

    /// <summary>Store it as a new version that replaces the visible one atomically; the old version and its blob are kept.</summary>
    Replace,
}

/// <summary>Settings of the archive services (ingest, query, retrieve, sweeper). Every default is safe.</summary>
public sealed class ArchiveOptions
{
    /// <summary>Policy for a different object under a stored SOP Instance UID. Default <see cref="DuplicatePolicy.Reject"/>.</summary>
    public DuplicatePolicy DuplicatePolicy { get; set; } = DuplicatePolicy.Reject;

    /// <summary>
    /// What ingest does with an object the reader can read but that breaks the standard. Default
    /// <see cref="IngestValidationPolicy.Strict"/>: refused, naming the defect (<see cref="IngestValidator"/>).
    /// </summary>
    public IngestValidationPolicy ValidationPolicy { get; set; } = IngestValidationPolicy.Strict;

    /// <summary>First segment of every instance blob name (<c>{prefix}/{SOP Instance UID}/{unique id}</c>). Default <c>instances</c>.</summary>
    public string BlobPrefix { get; set; } = "instances";

    /// <summary>Tier new blobs are written to. Default <see cref="BlobAccessTier.Hot"/>.</summary>
    public BlobAccessTier InitialTier { get; set; } = BlobAccessTier.Hot;

    /// <summary>Parts up to this many bytes are spooled in memory, larger ones in a temporary file. Default 1 MiB.</summary>
    public long SpoolMemoryThresholdBytes { get; set; } = 1024 * 1024;

    /// <summary>Folder for spool files of large parts; null uses the system temporary folder.</summary>
    public string? SpoolFolder { get; set; }

    /// <summary>Largest part accepted, in bytes; 0 for no limit. Default 0.</summary>
    public long MaxPartSizeBytes { get; set; }

    /// <summary>Whether a non-zero 128-byte preamble is zeroed before the object is stored. Default true (PS3.10 7.1 allows
    /// application data there, which Pacs does not keep; see ../shared/ARCHITECTURE.md promise 4).</summary>
    public bool ZeroPreamble { get; set; } = true;

    /// <summary>
    /// How long an ingest waits for another in-flight store or delete of the same SOP Instance UID to finish before it
    /// refuses with a processing failure, in milliseconds. Default 10000.
    /// </summary>
    public int ConcurrentStoreWaitMilliseconds { get; set; } = 10_000;

    /// <summary>Attempts of the reservation transaction when a concurrent ingest wins a unique-key race. Default 10.</summary>
    public int MaxConflictRetries { get; set; } = 10;

    /// <summary>Limit of a QIDO-RS query when the request gives none. Default 100.</summary>
    public int DefaultQueryLimit { get; set; } = 100;

    /// <summary>Largest limit a QIDO-RS query may ask for. Default 10000.</summary>
    public int MaxQueryLimit { get; set; } = 10_000;

    /// <summary>
    /// Most bytes of recent series metadata documents kept in memory (<see cref="SeriesMetadataDocuments"/>); 0 keeps
    /// none, so every request reads its document from the blob store. Default 64 MiB, about 16 series of 500 CT images.
    /// </summary>
    public long MetadataCacheBytes { get; set; } = SeriesMetadataDocuments.DefaultCacheBytes;

    internal string SpoolFolderOrDefault => SpoolFolder ?? Path.GetTempPath();
}
