using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>The level a QIDO-RS query returns (PS3.18 10.6: /studies, /series, /instances).</summary>
public enum QueryLevel
{
    Study,
    Series,
    Instance,
}

/// <summary>
/// A QIDO-RS search, independent of HTTP: the HTTP layer parses the request into this, the
/// <see cref="QueryService"/> answers it from the index alone.
/// </summary>
public sealed record QidoQuery
{
    public QueryLevel Level { get; init; } = QueryLevel.Study;

    /// <summary>Scope from the path (<c>/studies/{study}/series</c>, <c>/studies/{study}/instances</c>, …).</summary>
    public string? StudyInstanceUid { get; init; }

    /// <summary>Scope from the path (<c>/studies/{study}/series/{series}/instances</c>).</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Matching keys; several conditions on one attribute must all hold.</summary>
    public IReadOnlyList<MatchCondition> Conditions { get; init; } = [];

    /// <summary><c>fuzzymatching=true</c>: person names match case- and accent-insensitively on any name component prefix.</summary>
    public bool FuzzyMatching { get; init; }

    /// <summary>
    /// <c>emptyvaluematching=true</c> (PS3.18 8.3.4.5): an entity whose attribute is empty or absent matches every
    /// condition on that attribute too.
    /// </summary>
    public bool EmptyValueMatching { get; init; }

    /// <summary>Attributes to return beyond the default set (<c>includefield=…</c>).</summary>
    public IReadOnlyList<DicomTag> IncludeFields { get; init; } = [];

    /// <summary><c>includefield=all</c>: every attribute the index keeps for the level and the levels above.</summary>
    public bool IncludeAllFields { get; init; }

    /// <summary>At most this many results; null uses <see cref="ArchiveOptions.DefaultQueryLimit"/>.</summary>
    public int? Limit { get; init; }

    /// <summary>Results to skip before the first one returned.</summary>
    public int Offset { get; init; }
}

/// <summary>The answer to a <see cref="QidoQuery"/>.</summary>
/// <param name="Matches">One data set per match, in stable order (see <see cref="QueryService"/>); SpecificCharacterSet is ISO_IR 192.
/// RetrieveURL is not included: the HTTP layer knows the address the client used.</param>
/// <param name="HasMore">More matches exist after this page (PS3.18 8.3.4.4: the response should say so in a Warning header).</param>
/// <param name="UnsupportedKeys">Matching keys the index cannot match on; they were ignored (PS3.18 8.3.4.4: name them in a Warning).</param>
/// <param name="UnsupportedIncludeFields">Requested attributes the index does not keep; they are absent from the matches.</param>
public sealed record QidoResult(
    IReadOnlyList<DicomDataset> Matches,
    bool HasMore,
    IReadOnlyList<DicomTag> UnsupportedKeys,
    IReadOnlyList<DicomTag> UnsupportedIncludeFields);

/// <summary>A query the index cannot run as asked: a value of the wrong form for its attribute, a bad limit. HTTP 400.</summary>
public sealed class QidoQueryException : Exception
{
    public QidoQueryException() { }

    public QidoQueryException(string message) : base(message) { }

    public QidoQueryException(string message, Exception innerException) : base(message, innerException) { }

    public QidoQueryException(DicomTag? tag, string message) : base(message)
    {
        Tag = tag;
    }

    /// <summary>The attribute whose value is at fault, when there is one.</summary>
    public DicomTag? Tag { get; }
}
