namespace Pacs.Messaging.Contracts;

/// <summary>
/// The indexer brought a series' derived data (aggregates, metadata document) up to date with the index as of
/// <see cref="Revision"/>. Published once a series goes quiet, not per instance, so a 2,000-instance series is a
/// handful of these. <see cref="Removed"/>: the series has no instances left.
/// </summary>
public sealed record SeriesChanged : IPacsEvent
{
    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public string? Modality { get; init; }

    public required int NumberOfInstances { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Newest instance watermark the series' derived data includes.</summary>
    public required long LastWatermark { get; init; }

    /// <summary>The indexer's count of events applied to this series: grows with every change, so it names this state.</summary>
    public required long Revision { get; init; }

    public bool Removed { get; init; }

    public int ContractVersion { get; init; } = 1;

    public string DedupeKey => $"{EventCatalog.SeriesChanged}/{SeriesInstanceUid}/{Revision}";

    public string OrderingKey => StudyInstanceUid;
}

/// <summary>A study's aggregates changed (published with the <see cref="SeriesChanged"/> that caused it).</summary>
public sealed record StudyChanged : IPacsEvent
{
    public required string StudyInstanceUid { get; init; }

    public required int NumberOfSeries { get; init; }

    public required int NumberOfInstances { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Modalities of the study's series, distinct, in order (PS3.4 C.6.2.1.2 ModalitiesInStudy).</summary>
    public required IReadOnlyList<string> ModalitiesInStudy { get; init; }

    /// <summary>The indexer's count of events applied to this study.</summary>
    public required long Revision { get; init; }

    public bool Removed { get; init; }

    public int ContractVersion { get; init; } = 1;

    public string DedupeKey => $"{EventCatalog.StudyChanged}/{StudyInstanceUid}/{Revision}";

    public string OrderingKey => StudyInstanceUid;
}
