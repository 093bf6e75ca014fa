namespace Pacs.Archive;

/// <summary>
/// One stored version of an instance. The key is the watermark: a number from a sequence, never reused, that
/// orders every version ever stored.
/// </summary>
public sealed class InstanceRow
{
    /// <summary>From the <c>instance_watermark</c> sequence (PostgreSQL) or an AUTOINCREMENT key (SQLite).</summary>
    public long Watermark { get; set; }

    public required string SopInstanceUid { get; set; }

    /// <summary>1 for the first version; each Replace adds one.</summary>
    public int Version { get; set; }

    public InstanceStatus Status { get; set; }

    public long SeriesRowId { get; set; }

    public SeriesRow Series { get; set; } = null!;

    /// <summary>The study, kept beside the series so study-level counts and retrieves need no join.</summary>
    public long StudyRowId { get; set; }

    public StudyRow Study { get; set; } = null!;

    public required string SopClassUid { get; set; }

    public int? InstanceNumber { get; set; }

    /// <summary>YYYYMMDDHHMMSS.FFFFFF from Acquisition DateTime, else Acquisition Date+Time, else Content Date+Time.</summary>
    public string? AcquisitionDateTime { get; set; }

    public int? Rows { get; set; }

    public int? Columns { get; set; }

    public int? BitsAllocated { get; set; }

    public int? NumberOfFrames { get; set; }

    public required string TransferSyntaxUid { get; set; }

    /// <summary>SHA-256 of the stored bytes (32 bytes).</summary>
    public required byte[] Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Name of the immutable blob that holds this version.</summary>
    public required string BlobName { get; set; }

    public Pacs.Storage.BlobAccessTier StorageTier { get; set; }

    /// <summary>Byte ranges of the frames in the blob, encoded by <see cref="FrameTable"/>; null when there is no pixel data or no ranges.</summary>
    public byte[]? FrameTable { get; set; }

    /// <summary>Instance-level attributes as returned by QIDO-RS, encoded by <see cref="LevelAttributes"/>.</summary>
    public required byte[] Attributes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When <see cref="Status"/> last changed; the sweeper looks for rows stuck in Creating or Deleting.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}
