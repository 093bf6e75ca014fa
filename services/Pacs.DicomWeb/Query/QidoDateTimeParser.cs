using System.Globalization;
using System.Text.RegularExpressions;
using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>
/// DA, TM and DT query values: a single value or a range "lower-upper" with either end open (PS3.4 C.2.2.2.5),
/// checked for form (PS3.5 6.2) and for order.
/// </summary>
internal static partial class QidoDateTimeParser
{
    public static QidoCondition Parse(QidoAttributePath attribute, DicomVR vr, string value) => vr switch
    {
        DicomVR.DA => ParseSimple(attribute, vr, value, IsDate, "date (YYYYMMDD)", "00000101", "99991231"),
        DicomVR.TM => ParseSimple(attribute, vr, value, IsTime, "time (HH, HHMM, HHMMSS or HHMMSS.FFFFFF)", "000000.000000", "235959.999999"),
        _ => ParseDateTime(attribute, value),
    };

    public static bool IsDate(string value) =>
        value.Length == 8 && DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    public static bool IsTime(string value) => TimePattern().IsMatch(value);

    /// <summary>
    /// YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&amp;ZZXX] (PS3.5 Table 6.2-1), with a real calendar date when the day is given
    /// and an offset within -1200 to +1400 (PS3.5 6.2, DT).
    /// </summary>
    public static bool IsDateTime(string value)
    {
        var match = DateTimePattern().Match(value);
        return match.Success && (match.Groups["day"].Length == 0 || IsDate(value[..8]));
    }

    private static QidoCondition ParseSimple(
        QidoAttributePath attribute, DicomVR vr, string value, Func<string, bool> isValid, string what, string lowerFill, string upperFill)
    {
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return isValid(value) ? new QidoCondition(attribute, vr, QidoMatchKind.Single, [value]) : throw QidoValueParser.NotA(attribute, value, what);
        }

        var lower = value[..dash];
        var upper = value[(dash + 1)..];
        if ((lower.Length == 0 && upper.Length == 0) || (lower.Length > 0 && !isValid(lower)) || (upper.Length > 0 && !isValid(upper)))
        {
            throw QidoValueParser.NotA(attribute, value, $"{what} or range of them (lower-upper, -upper or lower-, PS3.4 C.2.2.2.5)");
        }

        // PS3.4 C.2.2.2.5.1: a time range beside a date range of the same pair (StudyDate and StudyTime) forms one
        // date-time range, whose time ends need not be in order ("20160101-20160301" with "1000-0900"); the query
        // parser refuses a reversed time range that has no such partner (see RequireTimePartners).
        if (vr == DicomVR.TM && lower.Length > 0 && upper.Length > 0 && !InOrder(lower, upper, lowerFill, upperFill))
        {
            return new QidoCondition(attribute, vr, QidoMatchKind.Range, [], new QidoRange(lower, upper));
        }

        return Range(attribute, vr, value, lower, upper, lowerFill, upperFill);
    }

    /// <summary>Refuses a reversed time range with no date range of its pair in <paramref name="conditions"/> (PS3.4 C.2.2.2.5.1).</summary>
    public static void RequireTimePartners(IReadOnlyList<QidoCondition> conditions)
    {
        foreach (var condition in conditions)
        {
            if (condition is not { VR: DicomVR.TM, Kind: QidoMatchKind.Range, Range: { Lower: { } lower, Upper: { } upper } }
                || InOrder(lower, upper, "000000.000000", "235959.999999"))
            {
                continue;
            }

            var keyword = DicomDictionary.Lookup(condition.Attribute.Leaf)?.Keyword ?? "";
            var dateKeyword = keyword.EndsWith("Time", StringComparison.Ordinal) ? keyword[..^4] + "Date" : null;
            var paired = dateKeyword is not null && conditions.Any(c => c.VR == DicomVR.DA && c.Kind == QidoMatchKind.Range
                && DicomDictionary.Lookup(c.Attribute.Leaf)?.Keyword == dateKeyword && c.Attribute.Tags.Take(c.Attribute.Tags.Count - 1).SequenceEqual(condition.Attribute.Tags.Take(condition.Attribute.Tags.Count - 1)));
            if (!paired)
            {
                throw Reversed(condition.Attribute, $"{lower}-{upper}");
            }
        }
    }

    /// <summary>
    /// DT is harder: '-' both separates a range and starts a negative time zone offset ("20200101120000-0500").
    /// Every '-' is tried as the separator; a split whose two ends are date-times in order is a range, else the whole
    /// text must be one date-time.
    /// </summary>
    private static QidoCondition ParseDateTime(QidoAttributePath attribute, string value)
    {
        const string LowerFill = "00000101000000.000000";
        const string UpperFill = "99991231235959.999999";
        string? reversed = null;
        for (var dash = value.IndexOf('-', StringComparison.Ordinal); dash >= 0; dash = value.IndexOf('-', dash + 1))
        {
            var lower = value[..dash];
            var upper = value[(dash + 1)..];
            if ((lower.Length == 0 && upper.Length == 0) || (lower.Length > 0 && !IsDateTime(lower)) || (upper.Length > 0 && !IsDateTime(upper)))
            {
                continue;
            }

            if (InOrder(lower, upper, LowerFill, UpperFill))
            {
                return new QidoCondition(attribute, DicomVR.DT, QidoMatchKind.Range, [], new QidoRange(NullIfEmpty(lower), NullIfEmpty(upper)));
            }

            reversed ??= value;
        }

        if (IsDateTime(value))
        {
            return new QidoCondition(attribute, DicomVR.DT, QidoMatchKind.Single, [value]);
        }

        throw reversed is not null
            ? Reversed(attribute, value)
            : QidoValueParser.NotA(attribute, value, "date-time (YYYY[MM[DD[HH[MM[SS[.FFFFFF]]]]]][+/-ZZXX]) or range of them (PS3.4 C.2.2.2.5)");
    }

    private static QidoCondition Range(QidoAttributePath attribute, DicomVR vr, string value, string lower, string upper, string lowerFill, string upperFill) =>
        InOrder(lower, upper, lowerFill, upperFill)
            ? new QidoCondition(attribute, vr, QidoMatchKind.Range, [], new QidoRange(NullIfEmpty(lower), NullIfEmpty(upper)))
            : throw Reversed(attribute, value);

    /// <summary>
    /// Compares the earliest instant of <paramref name="lower"/> with the latest of <paramref name="upper"/>, each
    /// padded from the fill ("2020" as lower is 2020-01-01 00:00, as upper 2020-12-31 23:59:59.999999). Time zone
    /// offsets are compared only when both ends carry the same one; otherwise the order is not checked.
    /// </summary>
    private static bool InOrder(string lower, string upper, string lowerFill, string upperFill)
    {
        if (lower.Length == 0 || upper.Length == 0)
        {
            return true;
        }

        var (lowerValue, lowerOffset) = SplitOffset(lower);
        var (upperValue, upperOffset) = SplitOffset(upper);
        if (lowerOffset != upperOffset)
        {
            return true;
        }

        var earliest = lowerValue + lowerFill[Math.Min(lowerValue.Length, lowerFill.Length)..];
        var latest = upperValue + upperFill[Math.Min(upperValue.Length, upperFill.Length)..];
        return string.CompareOrdinal(earliest, latest) <= 0;
    }

    private static (string Value, string Offset) SplitOffset(string value)
    {
        var sign = value.LastIndexOfAny(['+', '-']);
        return sign > 0 ? (value[..sign], value[sign..]) : (value, string.Empty);
    }

    private static Exception Reversed(QidoAttributePath attribute, string value) =>
        QidoQueryParser.Problem($"{QidoQueryParser.Name(attribute.Leaf)}={value}: the range ends before it starts.", attribute.Leaf);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [GeneratedRegex(@"^(?:[01][0-9]|2[0-3])(?:[0-5][0-9](?:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(
        @"^[0-9]{4}(?:(?:0[1-9]|1[0-2])(?<day>(?:0[1-9]|[12][0-9]|3[01])(?:(?:[01][0-9]|2[0-3])(?:[0-5][0-9](?:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)?)?)?)?)?(?:-(?:0[0-9]|1[0-2])[0-5][0-9]|\+(?:0[0-9]|1[0-4])[0-5][0-9])?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex DateTimePattern();
}
