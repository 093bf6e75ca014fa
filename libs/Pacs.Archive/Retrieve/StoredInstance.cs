using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>One visible (Created) instance as stored: what WADO-RS needs to serve it without parsing it.</summary>
public sealed record StoredInstance
{
    public required string StudyInstanceUid { get; init; }
    public required string SeriesInstanceUid { get; init; }
    public required string SopInstanceUid { get; init; }
    public required string SopClassUid { get; init; }

    /// <summary>The transfer syntax the object is stored in (as received).</summary>
    public required string TransferSyntaxUid { get; init; }

    public long Watermark { get; init; }
    public int Version { get; init; }
    public required string BlobName { get; init; }
    public long SizeBytes { get; init; }

    /// <summary>SHA-256 of the stored bytes, lower-case hex.</summary>
    public required string Sha256 { get; init; }

    public BlobAccessTier Tier { get; init; }
    public int? NumberOfFrames { get; init; }
    public int? BitsAllocated { get; init; }

    /// <summary>The frame byte ranges (see <see cref="FrameTable"/>); null when the object has no pixel data or frames could not be located.</summary>
    public IReadOnlyList<StoredFrame>? Frames { get; init; }

    /// <summary>An entity tag for the stored object: its SHA-256 never changes for a version.</summary>
    public string ETag => $"\"{Sha256}\"";
}
