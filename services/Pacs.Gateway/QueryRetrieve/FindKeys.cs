using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// One key of a C-FIND identifier: the attribute, its VR, how it matches (universal for a pure return key) and, for a
/// sequence whose item carries keys, the keys of that item (PS3.4 C.2.2.2.6).
/// </summary>
public sealed class FindKey
{
    public required DicomTag Tag { get; init; }

    public required DicomVR VR { get; init; }

    public required ArchiveMatchKey Match { get; init; }

    /// <summary>For a sequence key with an item: the keys inside it; null for other keys and for an empty sequence (return it whole).</summary>
    public IReadOnlyList<FindKey>? ItemKeys { get; init; }

    public bool IsSequence => VR == DicomVR.SQ;

    /// <summary>Whether the key restricts the matches (not universal, or a sequence with a restricting item key).</summary>
    public bool IsMatching => Match.Kind != ArchiveMatchKind.Universal || (ItemKeys?.Any(k => k.IsMatching) ?? false);

    public override string ToString() => Match.ToString();
}

/// <summary>
/// Reads the keys of a C-FIND identifier by PS3.4 C.2.2.2: an empty value is universal matching; a UID with
/// backslashes is a list; a DA, TM or DT with a hyphen is a range; <c>*</c> and <c>?</c> in AE, CS, LO, LT, PN, SH, ST,
/// UC, UR and UT are wildcards (<c>*</c> alone is universal); several values of a CS match any of them; anything else
/// is single value matching. Text is decoded with the identifier's Specific Character Set.
/// </summary>
public static class FindKeyParser
{
    /// <summary>The keys of <paramref name="identifier"/> except the control attributes <paramref name="skip"/> selects.</summary>
    /// <exception cref="DimseStatusException">A value has the wrong form for its attribute (0xC000 naming it).</exception>
    /// <param name="identifier">The C-FIND identifier.</param>
    /// <param name="skip">Selects the control attributes (Query/Retrieve Level, Specific Character Set, ...).</param>
    /// <param name="zone">The site's time zone, into which DT keys with a UTC offset are moved (<see cref="Classify"/>); null for the machine's.</param>
    public static IReadOnlyList<FindKey> Parse(DicomDataset identifier, Func<DicomTag, bool> skip, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentNullException.ThrowIfNull(skip);
        var keys = new List<FindKey>();
        foreach (var element in identifier)
        {
            if (!skip(element.Tag))
            {
                keys.Add(ParseElement(identifier, element, nested: false, zone));
            }
        }

        return keys;
    }

    private static FindKey ParseElement(DicomDataset owner, DicomElement element, bool nested, TimeZoneInfo? zone)
    {
        var tag = element.Tag;
        var vr = element.VR == DicomVR.UN || element.VR == DicomVR.None ? DicomDictionary.GetVR(tag) : element.VR;
        if (element is DicomSequence sequence)
        {
            // C.2.2.2.6: a sequence key has one item holding the keys (more items are not allowed; the first is used);
            // a sequence with no item, or an empty item, asks for the whole sequence.
            var item = sequence.Items.Count > 0 ? sequence.Items[0] : null;
            IReadOnlyList<FindKey>? itemKeys = null;
            if (item is { Count: > 0 } && !nested)
            {
                itemKeys = item.Where(e => !e.Tag.IsGroupLength && e.Tag != DicomTag.SpecificCharacterSet).Select(e => ParseElement(item, e, nested: true, zone)).ToList();
            }

            return new FindKey { Tag = tag, VR = DicomVR.SQ, Match = ArchiveMatchKey.Universal(tag), ItemKeys = itemKeys };
        }

        if (element.Length <= 0 || tag.IsPrivate || !vr.IsString())
        {
            // Binary and private values are returned, not matched on.
            return new FindKey { Tag = tag, VR = vr, Match = ArchiveMatchKey.Universal(tag) };
        }

        string value;
        try
        {
            value = owner.GetString(tag) ?? string.Empty;
        }
        catch (DicomException e)
        {
            throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: value cannot be decoded: {e.Message}"));
        }

        return new FindKey { Tag = tag, VR = vr, Match = Classify(tag, vr, value, zone) };
    }

    /// <summary>
    /// The matching a value asks for (PS3.4 C.2.2.2), checked for form. A DT value or range bound with a UTC offset
    /// (PS3.5 6.2 DT, &amp;ZZXX) names an instant; the archive indexes date-times as the modality wrote them, in the site's
    /// local time, so such a key is moved into <paramref name="zone"/> (the machine's when null) as a range of
    /// full-precision bounds: "2024031512+0100" becomes 20240315130000.000000-20240315135959.999999 at +02:00.
    /// </summary>
    public static ArchiveMatchKey Classify(DicomTag tag, DicomVR vr, string value, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = vr is DicomVR.LT or DicomVR.ST or DicomVR.UT ? value.TrimEnd(' ') : value.Trim(' ');
        if (value.Length == 0)
        {
            return ArchiveMatchKey.Universal(tag);
        }

        switch (vr)
        {
            case DicomVR.UI:
            {
                // Lenient: "*" for a UID (which allows no wildcards) is read as the universal match it means.
                if (value.All(c => c == '*'))
                {
                    return ArchiveMatchKey.Universal(tag);
                }

                var uids = value.Split('\\', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                foreach (var uid in uids)
                {
                    if (!IsUid(uid))
                    {
                        throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: '{uid}' is not a UID"));
                    }
                }

                return uids.Length == 1 ? ArchiveMatchKey.Single(tag, uids[0]) : ArchiveMatchKey.UidList(tag, uids.Distinct(StringComparer.Ordinal));
            }

            case DicomVR.DA or DicomVR.TM or DicomVR.DT:
            {
                var dash = DicomValues.RangeSeparator(value, vr);
                var key = dash < 0 ? ArchiveMatchKey.Single(tag, value) : ArchiveMatchKey.Range(tag, value[..dash], value[(dash + 1)..]);
                if (key.Kind == ArchiveMatchKind.Range && key.RangeStart is null && key.RangeEnd is null)
                {
                    // "-" alone bounds nothing: every value matches.
                    return ArchiveMatchKey.Universal(tag);
                }

                foreach (var bound in key.Kind == ArchiveMatchKind.Range ? new[] { key.RangeStart, key.RangeEnd } : key.Values.Cast<string?>())
                {
                    if (bound is not null && DicomValues.Low(vr, bound) is null)
                    {
                        throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: '{bound}' is not {DicomValues.Form(vr)}"));
                    }
                }

                // A time range may wrap past midnight when it goes with a date (C.2.2.2.5.1), so only DA and DT are checked.
                if (vr != DicomVR.TM && key.Kind == ArchiveMatchKind.Range && key.RangeStart is { } low && key.RangeEnd is { } high
                    && string.CompareOrdinal(DicomValues.Low(vr, low), DicomValues.High(vr, high)) > 0)
                {
                    throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: range {value} ends before it starts"));
                }

                return vr == DicomVR.DT ? InZone(tag, key, zone ?? TimeZoneInfo.Local, value) : key;
            }

            case DicomVR.IS or DicomVR.DS:
                return value.All(c => c == '*') ? ArchiveMatchKey.Universal(tag) : ArchiveMatchKey.Single(tag, value.Split('\\', StringSplitOptions.TrimEntries));

            case DicomVR.AE or DicomVR.CS or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.UC or DicomVR.UR or DicomVR.UT
                when value.AsSpan().IndexOfAny('*', '?') >= 0:
                return value.All(c => c == '*') ? ArchiveMatchKey.Universal(tag) : ArchiveMatchKey.Wildcard(tag, value);

            default:
                // Several values (only where the VR allows more than one): any of them matches.
                return vr.IsSingleValuedText() || vr is DicomVR.PN
                    ? ArchiveMatchKey.Single(tag, value)
                    : ArchiveMatchKey.Single(tag, value.Split('\\', StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray());
        }
    }

    /// <summary>A DT key whose value or bounds carry UTC offsets, as a range in the site's time zone; others unchanged.</summary>
    private static ArchiveMatchKey InZone(DicomTag tag, ArchiveMatchKey key, TimeZoneInfo zone, string value)
    {
        string? Bound(string? bound, bool high) =>
            bound is null || DicomValues.UtcOffset(bound) is null
                ? bound
                : DicomValues.InZone(bound, zone, high)
                    ?? throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: '{bound}' is not {DicomValues.Form(DicomVR.DT)}"));

        if (key.Kind == ArchiveMatchKind.Single && DicomValues.UtcOffset(key.Value) is not null)
        {
            return ArchiveMatchKey.Range(tag, Bound(key.Value, high: false), Bound(key.Value, high: true));
        }

        if (key.Kind != ArchiveMatchKind.Range || (DicomValues.UtcOffset(key.RangeStart ?? string.Empty) is null && DicomValues.UtcOffset(key.RangeEnd ?? string.Empty) is null))
        {
            return key;
        }

        var moved = ArchiveMatchKey.Range(tag, Bound(key.RangeStart, high: false), Bound(key.RangeEnd, high: true));
        if (moved.RangeStart is { } low && moved.RangeEnd is { } high && string.CompareOrdinal(DicomValues.Low(DicomVR.DT, low), DicomValues.High(DicomVR.DT, high)) > 0)
        {
            throw new DimseStatusException(DimseStatus.UnableToProcess, Clip($"{Name(tag)}: range ends before it starts (UTC offsets applied): {value}"));
        }

        return moved;
    }

    internal static string Name(DicomTag tag) => DicomDictionary.Lookup(tag)?.Keyword is { Length: > 0 } keyword ? keyword : tag.ToString();

    /// <summary>Error Comment (0000,0902) is LO: 64 characters at most.</summary>
    internal static string Clip(string text) => text.Length <= 64 ? text : text[..61] + "...";

    /// <summary>PS3.5 9.1: components of digits separated by single dots, at most 64 characters.</summary>
    internal static bool IsUid(string value) =>
        value.Length is > 0 and <= 64 && value[0] != '.' && value[^1] != '.'
        && !value.Contains("..", StringComparison.Ordinal) && value.All(c => c is '.' or (>= '0' and <= '9'));
}
