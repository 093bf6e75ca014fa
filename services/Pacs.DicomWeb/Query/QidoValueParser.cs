using System.Globalization;
using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>Turns one attribute's query value into a condition according to its VR (PS3.4 C.2.2.2, PS3.18 8.3.4.1).</summary>
internal static class QidoValueParser
{
    public static QidoCondition Parse(QidoAttributePath attribute, DicomVR vr, string value)
    {
        // PS3.4 C.2.2.2.3: a zero-length value is universal matching.
        if (value.Length == 0)
        {
            return new QidoCondition(attribute, vr, QidoMatchKind.Universal, []);
        }

        var tag = attribute.Leaf;
        switch (vr)
        {
            case DicomVR.SQ:
                throw QidoQueryParser.Problem(
                    $"{QidoQueryParser.Name(tag)} is a sequence: give it empty to return it, or match on an attribute inside it ({attribute}.Keyword=value).", tag);
            case DicomVR.UI:
                return ParseList(attribute, vr, value, IsUid, "a UID (digits and dots, at most 64 characters, PS3.5 9.1)");
            case DicomVR.CS when value.Contains(',', StringComparison.Ordinal):
                return ParseList(attribute, vr, value, v => v.Length > 0 && !HasWildcard(v), "a code string without wildcards");
            case DicomVR.DA or DicomVR.TM or DicomVR.DT:
                return QidoDateTimeParser.Parse(attribute, vr, value);
            case DicomVR.IS or DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.UV or DicomVR.SV:
                return IsInteger(value) ? Single(attribute, vr, value) : throw NotA(attribute, value, "whole number");
            case DicomVR.DS or DicomVR.FL or DicomVR.FD:
                return double.TryParse(value.Trim(' '), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? Single(attribute, vr, value)
                    : throw NotA(attribute, value, "decimal number");
        }

        // PS3.4 C.2.2.2.4: wildcards for these VRs; "*" alone is universal matching.
        if (AllowsWildcards(vr) && HasWildcard(value))
        {
            return value.All(c => c == '*')
                ? new QidoCondition(attribute, vr, QidoMatchKind.Universal, [])
                : new QidoCondition(attribute, vr, QidoMatchKind.Wildcard, [value]);
        }

        return Single(attribute, vr, value);
    }

    /// <summary>VRs whose values may be listed: UI (PS3.18 8.3.4.1) and CS (a comma is not in its repertoire).</summary>
    public static bool AllowsList(DicomVR vr) => vr is DicomVR.UI or DicomVR.CS;

    /// <summary>PS3.5 9.1: 1 to 64 characters, components of digits separated by single dots.</summary>
    public static bool IsUid(string value) =>
        value.Length is > 0 and <= 64 && value[0] != '.' && value[^1] != '.'
        && !value.Contains("..", StringComparison.Ordinal) && value.All(c => c is '.' or (>= '0' and <= '9'));

    private static bool AllowsWildcards(DicomVR vr) =>
        vr is DicomVR.AE or DicomVR.CS or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.UC or DicomVR.UR or DicomVR.UT;

    private static bool HasWildcard(string value) => value.AsSpan().ContainsAny('*', '?');

    private static bool IsInteger(string value)
    {
        var text = value.Trim(' ');
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            || ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    private static QidoCondition ParseList(QidoAttributePath attribute, DicomVR vr, string value, Func<string, bool> isValid, string what)
    {
        // PS3.18 8.3.4.1: list items are separated by commas; a backslash, the DICOM value separator (PS3.5 6.4), too.
        var items = value.Split(vr == DicomVR.UI ? [',', '\\'] : [','], StringSplitOptions.TrimEntries);
        foreach (var item in items)
        {
            if (!isValid(item))
            {
                throw QidoQueryParser.Problem(
                    $"{QidoQueryParser.Name(attribute.Leaf)}: '{item}' is not {what}.", attribute.Leaf, vr == DicomVR.UI && item.Length > 0 ? item : null);
            }
        }

        var distinct = items.Distinct(StringComparer.Ordinal).ToList();
        return new QidoCondition(attribute, vr, distinct.Count == 1 ? QidoMatchKind.Single : QidoMatchKind.List, distinct);
    }

    private static QidoCondition Single(QidoAttributePath attribute, DicomVR vr, string value) => new(attribute, vr, QidoMatchKind.Single, [value]);

    internal static Exception NotA(QidoAttributePath attribute, string value, string what) =>
        QidoQueryParser.Problem($"{QidoQueryParser.Name(attribute.Leaf)}={value}: the value is not a {what}.", attribute.Leaf);
}
