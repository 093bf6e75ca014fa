using System.Globalization;
using Pacs.Dicom;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// PS3.4 C.2.2.2 matching in memory, for the keys the archive does not match itself: applied to the attributes it
/// returned. Semantics are those of the archive's own matching: case-sensitive; a multi-valued attribute matches when
/// any value does; an absent or empty attribute matches only universal keys; TM and DT values name periods; a DA and
/// TM pair given together is one date-time range (C.2.2.2.5.1); the keys of a sequence item must hold within one item
/// of the entity's sequence (C.2.2.2.6).
/// </summary>
public static class LocalMatcher
{
    /// <summary>Whether <paramref name="entity"/> satisfies every key.</summary>
    public static bool Matches(DicomDataset entity, IReadOnlyList<FindKey> keys)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(keys);
        var combined = new HashSet<DicomTag>();
        foreach (var (dateTag, timeTag) in QueryModel.DateTimePairs)
        {
            var date = keys.FirstOrDefault(k => k.Tag == dateTag && k.Match.Kind is ArchiveMatchKind.Single or ArchiveMatchKind.Range);
            var time = keys.FirstOrDefault(k => k.Tag == timeTag && k.Match.Kind is ArchiveMatchKind.Single or ArchiveMatchKind.Range);
            if (date is null || time is null)
            {
                continue;
            }

            combined.Add(dateTag);
            combined.Add(timeTag);
            if (!DateTimeMatches(entity, date.Match, time.Match))
            {
                return false;
            }
        }

        foreach (var key in keys)
        {
            if (combined.Contains(key.Tag) || !key.IsMatching)
            {
                continue;
            }

            if (key.IsSequence)
            {
                var items = entity.Get(key.Tag) is DicomSequence sequence ? sequence.Items : [];
                if (!items.Any(item => Matches(item, key.ItemKeys!)))
                {
                    return false;
                }

                continue;
            }

            if (!ValueMatches(entity, key.Tag, key.VR, key.Match))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One key against one attribute of the entity.</summary>
    public static bool ValueMatches(DicomDataset entity, DicomTag tag, DicomVR vr, ArchiveMatchKey key)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(key);
        if (key.Kind == ArchiveMatchKind.Universal)
        {
            return true;
        }

        var values = Values(entity, tag);
        if (values.Length == 0)
        {
            return false;
        }

        var elementVr = entity.Get(tag)?.VR is { } actual && actual != DicomVR.UN ? actual : vr;
        return values.Any(value => ValueMatches(value, elementVr, key));
    }

    private static bool ValueMatches(string value, DicomVR vr, ArchiveMatchKey key)
    {
        switch (key.Kind)
        {
            case ArchiveMatchKind.UidList:
                return key.Values.Contains(value, StringComparer.Ordinal);
            case ArchiveMatchKind.Wildcard:
                return Wildcard(key.Value, value);
            case ArchiveMatchKind.Range when vr is DicomVR.DA or DicomVR.TM or DicomVR.DT:
            {
                var v = DicomValues.Low(vr, value);
                return v is not null
                    && (key.RangeStart is null || string.CompareOrdinal(v, DicomValues.Low(vr, key.RangeStart)) >= 0)
                    && (key.RangeEnd is null || string.CompareOrdinal(v, DicomValues.High(vr, key.RangeEnd)) <= 0);
            }

            case ArchiveMatchKind.Range:
                return false;
            default:
                return key.Values.Any(k => SingleMatches(value, vr, k));
        }
    }

    private static bool SingleMatches(string value, DicomVR vr, string key)
    {
        switch (vr)
        {
            case DicomVR.DA:
                return DicomValues.Low(vr, value) is { } date && date == DicomValues.Low(vr, key);
            case DicomVR.TM or DicomVR.DT:
            {
                // The key names a period; the value matches when it falls in it.
                var v = DicomValues.Low(vr, value);
                return v is not null && string.CompareOrdinal(v, DicomValues.Low(vr, key)) >= 0 && string.CompareOrdinal(v, DicomValues.High(vr, key)) <= 0;
            }

            case DicomVR.IS or DicomVR.DS or DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.FD or DicomVR.UV or DicomVR.SV:
                return decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                    && decimal.TryParse(key, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a == b;
            case DicomVR.PN:
                // "Doe^John" and "Doe^John^^^" are the same name: trailing empty components carry nothing.
                return string.Equals(value.TrimEnd('^', '=', ' '), key.TrimEnd('^', '=', ' '), StringComparison.Ordinal);
            default:
                return string.Equals(value, key, StringComparison.Ordinal);
        }
    }

    private static bool DateTimeMatches(DicomDataset entity, ArchiveMatchKey date, ArchiveMatchKey time)
    {
        var (dateLow, dateHigh) = Bounds(DicomVR.DA, date);
        var (timeLow, timeHigh) = Bounds(DicomVR.TM, time);
        var low = dateLow is null && timeLow is null ? null : (dateLow ?? "00000000") + (timeLow ?? "000000.000000");
        var high = dateHigh is null && timeHigh is null ? null : (dateHigh ?? "99999999") + (timeHigh ?? "999999.999999");
        var entityDate = Values(entity, date.Tag).Select(v => DicomValues.Low(DicomVR.DA, v)).FirstOrDefault(v => v is not null);
        if (entityDate is null)
        {
            return false;
        }

        var entityTime = Values(entity, time.Tag).Select(v => DicomValues.Low(DicomVR.TM, v)).FirstOrDefault(v => v is not null) ?? "000000.000000";
        var v = entityDate + entityTime;
        return (low is null || string.CompareOrdinal(v, low) >= 0) && (high is null || string.CompareOrdinal(v, high) <= 0);
    }

    private static (string? Low, string? High) Bounds(DicomVR vr, ArchiveMatchKey key) => key.Kind == ArchiveMatchKind.Single
        ? (DicomValues.Low(vr, key.Value), DicomValues.High(vr, key.Value))
        : (key.RangeStart is null ? null : DicomValues.Low(vr, key.RangeStart), key.RangeEnd is null ? null : DicomValues.High(vr, key.RangeEnd));

    /// <summary>The values of an attribute as text (numbers of binary VRs in invariant form); empty when absent or empty.</summary>
    internal static string[] Values(DicomDataset entity, DicomTag tag)
    {
        var element = entity.Get(tag);
        if (element is null || element.Length <= 0 || element.IsBulkData || element is DicomSequence)
        {
            return [];
        }

        try
        {
            if (element.VR.IsString())
            {
                return element.VR.IsSingleValuedText() || element.VR == DicomVR.PN
                    ? element.VR == DicomVR.PN ? entity.GetStrings(tag) : [entity.GetString(tag) ?? string.Empty]
                    : entity.GetStrings(tag);
            }

            return element.VR switch
            {
                DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.UV or DicomVR.SV =>
                    Enumerable.Range(0, (int)(element.Length / element.VR.BinaryValueSize()))
                        .Select(i => entity.GetInt64(tag, i)?.ToString(CultureInfo.InvariantCulture) ?? string.Empty).ToArray(),
                DicomVR.FL or DicomVR.FD => entity.GetDoubles(tag).Select(d => d.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
                _ => [],
            };
        }
        catch (DicomException)
        {
            // A value that cannot be decoded matches nothing but universal keys.
            return [];
        }
    }

    /// <summary>PS3.4 C.2.2.2.4: '*' any run of characters (also none), '?' exactly one; everything else literally.</summary>
    internal static bool Wildcard(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
