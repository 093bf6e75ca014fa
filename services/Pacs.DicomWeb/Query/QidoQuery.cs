namespace Pacs.DicomWeb.Query;

/// <summary>
/// A parsed QIDO-RS request (PS3.18 10.6.1), as plain data for the query service: the level, the UIDs the path
/// fixes, the matching conditions and the return keys, paging and matching flags.
/// </summary>
public sealed record QidoQuery
{
    public required QidoLevel Level { get; init; }

    /// <summary>From the path (/studies/{study}/series …), not from the query string; null at the top.</summary>
    public string? StudyInstanceUid { get; init; }

    /// <summary>From the path (/studies/{study}/series/{series}/instances); null otherwise.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Matching conditions in the order given; each attribute appears once (repeated UID keys are merged).</summary>
    public IReadOnlyList<QidoCondition> Conditions { get; init; } = [];

    /// <summary>Attributes to return besides the level's defaults (PS3.18 8.3.4.3, PS3.18 10.6.3.3).</summary>
    public IReadOnlyList<QidoAttributePath> IncludeFields { get; init; } = [];

    /// <summary>includefield=all: every available attribute.</summary>
    public bool IncludeAllFields { get; init; }

    /// <summary>fuzzymatching=true (PS3.18 8.3.4.2): person names match loosely (PS3.4 C.2.2.2.1.1).</summary>
    public bool FuzzyMatching { get; init; }

    /// <summary>emptyvaluematching=true (PS3.18 8.3.4.5): an entity whose attribute is empty also matches.</summary>
    public bool EmptyValueMatching { get; init; }

    /// <summary>multiplevaluematching=true (PS3.18 8.3.4.6): a multi-valued attribute matches when any value does.</summary>
    public bool MultipleValueMatching { get; init; }

    /// <summary>limit (PS3.18 8.3.4.4): most results to return; null when not given.</summary>
    public int? Limit { get; init; }

    /// <summary>offset (PS3.18 8.3.4.4): results to skip; 0 when not given.</summary>
    public int Offset { get; init; }
}
