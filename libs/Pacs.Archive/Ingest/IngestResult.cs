namespace Pacs.Archive;

/// <summary>How an ingest ended.</summary>
public enum IngestOutcome
{
    /// <summary>A new instance was stored and committed.</summary>
    Stored,

    /// <summary>The identical object (same SOP Instance UID and SHA-256) was already stored; nothing was written.</summary>
    AlreadyStored,

    /// <summary>A new version replaced the visible one (policy Replace); the old version is kept.</summary>
    Replaced,

    /// <summary>Refused: nothing of the part is in the index or the store. See <see cref="IngestResult.FailureReason"/>.</summary>
    Refused,
}

/// <summary>A warning attached to a successful ingest.</summary>
/// <param name="Reason">A <see cref="StoreWarningReasons"/> value.</param>
/// <param name="Description">For people.</param>
public sealed record IngestWarning(ushort Reason, string Description);

/// <summary>
/// The answer for one part: success only after the index commit that made the instance visible, so a success is
/// always durable and immediately found by queries and retrieves.
/// </summary>
public sealed record IngestResult
{
    public required IngestOutcome Outcome { get; init; }

    public bool Succeeded => Outcome != IngestOutcome.Refused;

    /// <summary>Known when the header could be read, also for most refusals (for the Failed SOP Sequence).</summary>
    public string? SopClassUid { get; init; }

    public string? SopInstanceUid { get; init; }

    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    /// <summary>A <see cref="StoreFailureReasons"/> value when refused.</summary>
    public ushort? FailureReason { get; init; }

    /// <summary>Why it was refused, naming the attribute or condition, for people.</summary>
    public string? FailureDescription { get; init; }

    public IReadOnlyList<IngestWarning> Warnings { get; init; } = [];

    /// <summary>Watermark of the stored (or already stored) version.</summary>
    public long? Watermark { get; init; }

    /// <summary>Version number of the stored (or already stored) version, 1-based.</summary>
    public int? Version { get; init; }

    /// <summary>Bytes of the part.</summary>
    public long SizeBytes { get; init; }

    internal static IngestResult Refuse(ushort reason, string description, InstanceAttributes? attributes = null, long sizeBytes = 0) => new()
    {
        Outcome = IngestOutcome.Refused,
        FailureReason = reason,
        FailureDescription = description,
        SopClassUid = attributes?.SopClassUid,
        SopInstanceUid = attributes?.SopInstanceUid,
        StudyInstanceUid = attributes?.StudyInstanceUid,
        SeriesInstanceUid = attributes?.SeriesInstanceUid,
        SizeBytes = sizeBytes,
    };
}
