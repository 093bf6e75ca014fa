using Pacs.Dicom;

namespace Pacs.Gateway.Archive;

/// <summary>The levels a QIDO-RS search returns (PS3.18 10.6: /studies, /series, /instances).</summary>
public enum ArchiveQueryLevel
{
    Study,
    Series,
    Instance,
}

/// <summary>The kinds of attribute matching of PS3.4 C.2.2.2 that a QIDO-RS search can express.</summary>
public enum ArchiveMatchKind
{
    /// <summary>C.2.2.2.3: every entity matches (the attribute is only returned).</summary>
    Universal,

    /// <summary>C.2.2.2.1: single value (several values of a CS: any of them, as for Modalities in Study).</summary>
    Single,

    /// <summary>C.2.2.2.4: <c>*</c> any run of characters, <c>?</c> exactly one.</summary>
    Wildcard,

    /// <summary>C.2.2.2.2: any UID of the list.</summary>
    UidList,

    /// <summary>C.2.2.2.5: a DA, TM or DT range, open on at most one side.</summary>
    Range,
}

/// <summary>
/// One matching key of a search: an attribute, at the top level or inside a sequence (then the keys of that sequence
/// must match within one item, PS3.4 C.2.2.2.6), and how it matches. Values are Unicode text as the user meant them
/// (already decoded from the request's Specific Character Set).
/// </summary>
public sealed record ArchiveMatchKey
{
    private ArchiveMatchKey(DicomTag tag, ArchiveMatchKind kind)
    {
        Tag = tag;
        Kind = kind;
    }

    public DicomTag Tag { get; }

    public ArchiveMatchKind Kind { get; }

    /// <summary>The sequence the key lives in, or null at the top level.</summary>
    public DicomTag? SequenceTag { get; init; }

    /// <summary>Single: the values (one, or several alternatives of a CS); Wildcard: the pattern; UidList: the UIDs.</summary>
    public IReadOnlyList<string> Values { get; private init; } = [];

    /// <summary>Range: lower bound, null when open.</summary>
    public string? RangeStart { get; private init; }

    /// <summary>Range: upper bound, null when open.</summary>
    public string? RangeEnd { get; private init; }

    /// <summary>The first value (the pattern of a wildcard key).</summary>
    public string Value => Values.Count > 0 ? Values[0] : string.Empty;

    public static ArchiveMatchKey Universal(DicomTag tag) => new(tag, ArchiveMatchKind.Universal);

    public static ArchiveMatchKey Single(DicomTag tag, params string[] values) =>
        values.Length == 0 ? throw new ArgumentException("A single value key needs a value.", nameof(values)) : new(tag, ArchiveMatchKind.Single) { Values = values };

    public static ArchiveMatchKey Wildcard(DicomTag tag, string pattern) => new(tag, ArchiveMatchKind.Wildcard) { Values = [pattern] };

    public static ArchiveMatchKey UidList(DicomTag tag, IEnumerable<string> uids) => new(tag, ArchiveMatchKind.UidList) { Values = uids.ToArray() };

    public static ArchiveMatchKey Range(DicomTag tag, string? start, string? end) =>
        new(tag, ArchiveMatchKind.Range) { RangeStart = string.IsNullOrEmpty(start) ? null : start, RangeEnd = string.IsNullOrEmpty(end) ? null : end };

    /// <summary>This key applied within the items of <paramref name="sequence"/>.</summary>
    public ArchiveMatchKey InSequence(DicomTag sequence) => this with { SequenceTag = sequence };

    public override string ToString()
    {
        var name = DicomDictionary.Lookup(Tag)?.Keyword ?? Tag.ToString();
        if (SequenceTag is { } sq)
        {
            name = $"{DicomDictionary.Lookup(sq)?.Keyword ?? sq.ToString()}.{name}";
        }

        return Kind switch
        {
            ArchiveMatchKind.Universal => $"{name} (universal)",
            ArchiveMatchKind.Range => $"{name}={RangeStart}-{RangeEnd}",
            _ => $"{name}={string.Join('\\', Values)}",
        };
    }
}

/// <summary>One page of a QIDO-RS search, independent of how the archive is reached.</summary>
public sealed record ArchiveQuery
{
    public ArchiveQueryLevel Level { get; init; } = ArchiveQueryLevel.Study;

    /// <summary>The keys the archive is to match on (all must hold). Universal keys need not be listed.</summary>
    public IReadOnlyList<ArchiveMatchKey> Keys { get; init; } = [];

    /// <summary>Attributes to return besides the level's defaults (QIDO-RS includefield).</summary>
    public IReadOnlyList<DicomTag> IncludeFields { get; init; } = [];

    public int Offset { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>The matches of one page, in the archive's stable order.</summary>
/// <param name="Matches">One data set per match (any Specific Character Set; read text with <see cref="DicomDataset.GetString(DicomTag)"/>).</param>
/// <param name="HasMore">The archive said a further page exists.</param>
/// <param name="UnsupportedKeys">Keys the archive ignored (it cannot match on them).</param>
/// <param name="UnsupportedIncludeFields">Attributes asked for that the archive does not keep.</param>
public sealed record ArchiveQueryPage(
    IReadOnlyList<DicomDataset> Matches,
    bool HasMore,
    IReadOnlyList<DicomTag> UnsupportedKeys,
    IReadOnlyList<DicomTag> UnsupportedIncludeFields);

/// <summary>
/// The archive's search (QIDO-RS), as the gateway's C-FIND, C-MOVE and C-GET use it: over HTTP to a remote archive
/// (<see cref="DicomWebArchiveClient"/>) or directly in the embedded server.
/// </summary>
public interface IArchiveQuery
{
    /// <summary>
    /// Whether the archive itself matches on <paramref name="key"/> in a search at <paramref name="level"/>. The gateway
    /// matches the other keys itself on the attributes returned (PS3.4 C.2.2.2 semantics either way).
    /// </summary>
    bool CanMatch(ArchiveQueryLevel level, ArchiveMatchKey key);

    /// <summary>Runs one page of a search.</summary>
    /// <exception cref="ArchiveQueryException">The archive refused a value (wrong form for its attribute).</exception>
    /// <exception cref="ArchiveUnavailableException">The archive could not be reached or failed (the one the uploader throws too).</exception>
    Task<ArchiveQueryPage> QueryAsync(ArchiveQuery query, CancellationToken cancellationToken);
}

/// <summary>The archive refused a search as malformed (a date that is not a date, a range on a UID); the message says which.</summary>
public sealed class ArchiveQueryException : Exception
{
    public ArchiveQueryException() { }

    public ArchiveQueryException(string message) : base(message) { }

    public ArchiveQueryException(string message, Exception innerException) : base(message, innerException) { }
}
