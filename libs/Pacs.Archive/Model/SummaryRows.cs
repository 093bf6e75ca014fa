namespace Pacs.Archive;

/// <summary>
/// A series as the indexer last saw it (table <c>series_summaries</c>): derived data, rebuilt from the instance rows,
/// never read by ingest or QIDO (which count from the instance rows themselves, so they never lag). Keyed by UID so it
/// outlives the series row when the last instance is deleted, until the indexer has announced the removal.
/// </summary>
public sealed class SeriesSummaryRow
{
    public required string SeriesInstanceUid { get; set; }

    public required string StudyInstanceUid { get; set; }

    public string? Modality { get; set; }

    /// <summary>Visible (Created) instances.</summary>
    public int NumberOfInstances { get; set; }

    /// <summary>Sum of Number of Frames over the visible instances (an image without the attribute counts as one frame).</summary>
    public long NumberOfFrames { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Newest watermark among the visible instances (0 when none).</summary>
    public long LastWatermark { get; set; }

    /// <summary>Events the indexer applied to this series; each applies once (the inbox), so this counts distinct events.</summary>
    public long Revision { get; set; }

    /// <summary>The <see cref="Revision"/> the series' metadata document and the last SeriesChanged event reflect.</summary>
    public long DocumentRevision { get; set; }

    /// <summary>Whether the document lags the index (<see cref="DocumentRevision"/> &lt; <see cref="Revision"/>).</summary>
    public bool DocumentStale { get; set; }

    /// <summary>When the document became stale: bounds how long a series that never goes quiet waits for a rebuild.</summary>
    public DateTimeOffset? StaleSince { get; set; }

    /// <summary>When the last event was applied: a series is rebuilt once it has been quiet for a moment.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? DocumentBuiltAt { get; set; }
}

/// <summary>A study's aggregates as the indexer last computed them (table <c>study_summaries</c>).</summary>
public sealed class StudySummaryRow
{
    public required string StudyInstanceUid { get; set; }

    public int NumberOfSeries { get; set; }

    public int NumberOfInstances { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Distinct modalities of the study's series, sorted, joined with backslashes (PS3.5 value multiplicity).</summary>
    public string? ModalitiesInStudy { get; set; }

    public long LastWatermark { get; set; }

    /// <summary>Events the indexer applied to this study.</summary>
    public long Revision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
