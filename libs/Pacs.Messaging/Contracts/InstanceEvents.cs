namespace Pacs.Messaging.Contracts;

/// <summary>Fields every instance event shares: which version of which instance, and where its bytes are.</summary>
public abstract record InstanceEventBase : IPacsEvent
{
    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string SopInstanceUid { get; init; }

    public required string SopClassUid { get; init; }

    /// <summary>The instance version's watermark: unique and never reused, so (event name, watermark) names one event.</summary>
    public required long Watermark { get; init; }

    /// <summary>1 for the first version of the SOP Instance UID; each replacement adds one.</summary>
    public required int Version { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>The immutable blob holding this version's bytes.</summary>
    public required string BlobName { get; init; }

    public int ContractVersion { get; init; } = 1;

    public abstract string DedupeKey { get; }

    public string OrderingKey => StudyInstanceUid;
}

/// <summary>A new instance became visible (STOW-RS or C-STORE acknowledged it). Written by ingest's committing transaction.</summary>
public sealed record InstanceStored : InstanceEventBase
{
    public override string DedupeKey => $"{EventCatalog.InstanceStored}/{Watermark}";
}

/// <summary>
/// A new version of an instance replaced the visible one (duplicate policy Replace). The patient, study and series
/// attributes took the new version's values, so derived data of the whole series and study is stale.
/// </summary>
public sealed record InstanceReplaced : InstanceEventBase
{
    /// <summary>Watermark of the version that was visible before (kept, status Replaced).</summary>
    public long? ReplacedWatermark { get; init; }

    public override string DedupeKey => $"{EventCatalog.InstanceReplaced}/{Watermark}";
}

/// <summary>An instance was deleted (every version); <see cref="InstanceEventBase.Watermark"/> is the version that was visible.</summary>
public sealed record InstanceDeleted : InstanceEventBase
{
    public override string DedupeKey => $"{EventCatalog.InstanceDeleted}/{Watermark}";
}
