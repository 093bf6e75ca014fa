using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>The kinds of attribute matching of PS3.4 C.2.2.2.</summary>
public enum MatchKind
{
    /// <summary>C.2.2.2.3: empty value — every entity matches; the attribute is returned.</summary>
    Universal,

    /// <summary>C.2.2.2.1.1 empty value matching (<c>""</c>): entities whose value is empty or absent.</summary>
    Empty,

    /// <summary>C.2.2.2.1: single value matching (for TM and DT: the period the value names).</summary>
    Single,

    /// <summary>C.2.2.2.4: <c>*</c> any run of characters, <c>?</c> one character; only for AE, CS, LO, LT, PN, SH, ST, UC, UR, UT.</summary>
    Wildcard,

    /// <summary>C.2.2.2.2: a list of UIDs; matches any of them.</summary>
    UidList,

    /// <summary>C.2.2.2.5: DA, TM, DT range, open on either side.</summary>
    Range,
}

/// <summary>One matching key of a query. Build with the factory methods, or <see cref="Parse"/> from a request value.</summary>
public sealed record MatchCondition
{
    private MatchCondition(DicomTag tag, MatchKind kind)
    {
        Tag = tag;
        Kind = kind;
    }

    public DicomTag Tag { get; }

    public MatchKind Kind { get; }

    /// <summary>
    /// For a key inside a sequence (QIDO <c>00400275.00400009=…</c>): the sequence; the condition then holds for an
    /// item, and several conditions on one sequence must hold for the same item (PS3.4 C.2.2.2.6). Null at the top level.
    /// </summary>
    public DicomTag? SequenceTag { get; private init; }

    /// <summary>This condition applied to the items of <paramref name="sequence"/>.</summary>
    public MatchCondition InSequence(DicomTag sequence) => this with { SequenceTag = sequence };

    /// <summary>The value (Single) or the pattern (Wildcard).</summary>
    public string? Value { get; private init; }

    /// <summary>The UIDs of a UidList; the values of a multi-valued Single (e.g. ModalitiesInStudy <c>CT\MR</c>).</summary>
    public IReadOnlyList<string> Values { get; private init; } = [];

    /// <summary>Lower bound of a Range; null when open.</summary>
    public string? RangeStart { get; private init; }

    /// <summary>Upper bound of a Range; null when open.</summary>
    public string? RangeEnd { get; private init; }

    public static MatchCondition Universal(DicomTag tag) => new(tag, MatchKind.Universal);

    public static MatchCondition Empty(DicomTag tag) => new(tag, MatchKind.Empty);

    public static MatchCondition Single(DicomTag tag, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new MatchCondition(tag, MatchKind.Single) { Value = value, Values = [value] };
    }

    public static MatchCondition Wildcard(DicomTag tag, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new MatchCondition(tag, MatchKind.Wildcard) { Value = pattern };
    }

    public static MatchCondition UidList(DicomTag tag, IEnumerable<string> uids)
    {
        ArgumentNullException.ThrowIfNull(uids);
        return new MatchCondition(tag, MatchKind.UidList) { Values = uids.ToArray() };
    }

    public static MatchCondition Range(DicomTag tag, string? start, string? end) =>
        new(tag, MatchKind.Range) { RangeStart = string.IsNullOrEmpty(start) ? null : start, RangeEnd = string.IsNullOrEmpty(end) ? null : end };

    /// <summary>
    /// Classifies a request value by the attribute's VR (PS3.6): empty → universal; <c>""</c> → empty value; DA, TM,
    /// DT with one <c>-</c> → range; UI with <c>\</c> or <c>,</c> → UID list; <c>*</c> or <c>?</c> in a VR that allows
    /// wildcards → wildcard; anything else → single value. Values of other VRs keep <c>*</c> and <c>?</c> literally.
    /// </summary>
    public static MatchCondition Parse(DicomTag tag, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
            return Universal(tag);
        if (value == "\"\"")
            return Empty(tag);
        var vr = DicomDictionary.GetVR(tag);
        switch (vr)
        {
            case DicomVR.DA or DicomVR.TM or DicomVR.DT:
                int dash = RangeSeparator(value, vr);
                return dash < 0 ? Single(tag, value) : Range(tag, value[..dash], value[(dash + 1)..]);
            case DicomVR.UI:
                if (value.Contains('\\', StringComparison.Ordinal) || value.Contains(',', StringComparison.Ordinal))
                    return UidList(tag, value.Split(['\\', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                return Single(tag, value);
            case DicomVR.AE or DicomVR.CS or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.UC or DicomVR.UR or DicomVR.UT
                when value.AsSpan().IndexOfAny('*', '?') >= 0:
                return Wildcard(tag, value);
            default:
                return value.Contains('\\', StringComparison.Ordinal) && vr is DicomVR.CS
                    ? new MatchCondition(tag, MatchKind.Single) { Value = value, Values = value.Split('\\') }
                    : Single(tag, value);
        }
    }

    /// <summary>The '-' that separates a range; for DT, one that is not the sign of a UTC offset (&amp;ZZXX after the time).</summary>
    private static int RangeSeparator(string value, DicomVR vr)
    {
        if (vr != DicomVR.DT)
            return value.IndexOf('-', StringComparison.Ordinal);
        // A DT bound is digits, '.', and an optional +/-ZZXX offset of exactly 4 digits at its end; taken as an offset
        // only after at least the hour (YYYYMMDDHH), so that year ranges such as 2019-2021 stay ranges.
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '-')
                continue;
            bool offsetSign = i >= 10 && i + 5 <= value.Length && value.AsSpan(i + 1, 4).IndexOfAnyExceptInRange('0', '9') < 0
                && (i + 5 == value.Length || value[i + 5] == '-');
            if (!offsetSign)
                return i;
        }
        return -1;
    }
}
