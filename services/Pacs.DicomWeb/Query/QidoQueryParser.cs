using System.Globalization;
using Pacs.Dicom;
using Pacs.DicomWeb.Http;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Query;

/// <summary>
/// Reads a QIDO-RS query string (PS3.18 8.3.4, 10.6.1.2) into a <see cref="QidoQuery"/>. Anything it cannot
/// understand is a 400 problem that names the parameter and, for attributes, the tag and keyword: an unknown
/// keyword, a malformed value, a range whose ends are reversed, a number that is not one.
/// </summary>
public static class QidoQueryParser
{
    /// <summary>Parameters other parts of the request handle (PS3.18 8.3.3.1 content negotiation), skipped here.</summary>
    public static IReadOnlySet<string> ReservedParameters { get; } = new HashSet<string>(StringComparer.Ordinal) { "accept" };

    /// <summary>Parses a raw query string ("?PatientName=Doe*&amp;limit=10"), percent-decoding names and values.</summary>
    public static QidoQuery Parse(QidoLevel level, string? studyInstanceUid, string? seriesInstanceUid, string? queryString) =>
        Parse(level, studyInstanceUid, seriesInstanceUid, QueryStringParser.Parse(queryString));

    /// <summary>Parses already decoded name/value pairs, in order.</summary>
    public static QidoQuery Parse(QidoLevel level, string? studyInstanceUid, string? seriesInstanceUid, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckPathUid(studyInstanceUid, DicomTag.StudyInstanceUID);
        CheckPathUid(seriesInstanceUid, DicomTag.SeriesInstanceUID);

        var conditions = new List<QidoCondition>();
        var includeFields = new List<QidoAttributePath>();
        var includeAll = false;
        bool? fuzzy = null, emptyValue = null, multipleValue = null;
        int? limit = null, offset = null;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "includefield":
                    includeAll |= ParseIncludeField(value, includeFields);
                    break;
                case "fuzzymatching":
                    fuzzy = ParseFlag(name, value, fuzzy);
                    break;
                case "emptyvaluematching":
                    emptyValue = ParseFlag(name, value, emptyValue);
                    break;
                case "multiplevaluematching":
                    multipleValue = ParseFlag(name, value, multipleValue);
                    break;
                case "limit":
                    limit = ParseCount(name, value, limit);
                    break;
                case "offset":
                    offset = ParseCount(name, value, offset);
                    break;
                default:
                    if (!ReservedParameters.Contains(name))
                    {
                        AddCondition(conditions, ParseAttribute(name, name), value);
                    }

                    break;
            }
        }

        QidoDateTimeParser.RequireTimePartners(conditions);
        return new QidoQuery
        {
            Level = level,
            StudyInstanceUid = studyInstanceUid,
            SeriesInstanceUid = seriesInstanceUid,
            Conditions = conditions,
            IncludeFields = includeAll ? [] : includeFields.Distinct().ToList(),
            IncludeAllFields = includeAll,
            FuzzyMatching = fuzzy ?? false,
            EmptyValueMatching = emptyValue ?? false,
            MultipleValueMatching = multipleValue ?? false,
            Limit = limit,
            Offset = offset ?? 0,
        };
    }

    /// <summary>
    /// A keyword, a ggggeeee tag, or a '.'-separated path of them through sequences (PS3.18 8.3.4.1); every step but
    /// the last must be a sequence.
    /// </summary>
    internal static QidoAttributePath ParseAttribute(string text, string parameter)
    {
        var steps = text.Split('.');
        var tags = new DicomTag[steps.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            tags[i] = ParseTag(steps[i], parameter);
            if (i < steps.Length - 1 && DicomDictionary.GetVR(tags[i]) != DicomVR.SQ)
            {
                throw Problem($"'{parameter}' goes through {Name(tags[i])}, which is not a sequence; only sequences have attributes inside (PS3.18 8.3.4.1).", tags[i]);
            }
        }

        return new QidoAttributePath(tags);
    }

    private static DicomTag ParseTag(string step, string parameter)
    {
        if (step.Length == 8 && uint.TryParse(step, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            var tag = new DicomTag(value);
            if (!tag.IsPrivate && DicomDictionary.Lookup(tag) is null)
            {
                throw Problem($"'{parameter}' names {tag}, which is not in the PS3.6 data dictionary.", tag);
            }

            return tag;
        }

        if (step.Length > 0 && char.IsAsciiLetter(step[0]) && DicomDictionary.TryGetTag(step, out var byKeyword))
        {
            return byKeyword;
        }

        var hint = step.Length > 0 && char.IsAsciiLetter(step[0]) && DicomDictionary.Entries.FirstOrDefault(e => string.Equals(e.Keyword, step, StringComparison.OrdinalIgnoreCase)) is { } near
            ? $" Keywords are case-sensitive: did you mean {near.Keyword}?"
            : string.Empty;
        throw Problem($"Unknown query parameter '{parameter}': '{step}' is neither a PS3.6 keyword, a ggggeeee tag nor a QIDO-RS parameter (PS3.18 8.3.4).{hint}");
    }

    private static void AddCondition(List<QidoCondition> conditions, QidoAttributePath attribute, string value)
    {
        var vr = DicomDictionary.GetVR(attribute.Leaf);
        var condition = QidoValueParser.Parse(attribute, vr, value);
        var index = conditions.FindIndex(c => c.Attribute.Equals(attribute));
        if (index < 0)
        {
            conditions.Add(condition);
            return;
        }

        // A repeated key adds to a value list where lists are allowed (PS3.18 8.3.4.1 uid-list-match); elsewhere a
        // second condition on the same attribute is ambiguous.
        var existing = conditions[index];
        if (!QidoValueParser.AllowsList(vr) || existing.Kind is not (QidoMatchKind.Single or QidoMatchKind.List) || condition.Kind is not (QidoMatchKind.Single or QidoMatchKind.List))
        {
            throw Problem($"{Name(attribute.Leaf)} is given twice; only UID (and CS) attributes take a list of values, written once as a comma-separated list or repeated.", attribute.Leaf);
        }

        conditions[index] = existing with { Kind = QidoMatchKind.List, Values = [.. existing.Values, .. condition.Values.Where(v => !existing.Values.Contains(v))] };
    }

    /// <summary>PS3.18 8.3.4.3: a comma list of attributes or "all"; the parameter may repeat. Returns true for "all".</summary>
    private static bool ParseIncludeField(string value, List<QidoAttributePath> fields)
    {
        var all = false;
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (item.Length == 0)
            {
                continue;
            }

            if (item == "all")
            {
                all = true;
            }
            else
            {
                fields.Add(ParseAttribute(item, $"includefield={item}"));
            }
        }

        return all;
    }

    private static bool ParseFlag(string name, string value, bool? previous)
    {
        bool flag = value.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Problem($"{name}={value}: the value must be true or false (PS3.18 8.3.4)."),
        };
        return previous is { } earlier && earlier != flag ? throw Problem($"{name} is given twice with different values.") : flag;
    }

    private static int ParseCount(string name, string value, int? previous)
    {
        if (previous is not null)
        {
            throw Problem($"{name} is given twice.");
        }

        // PS3.18 8.3.4.4: uint. Larger than int.MaxValue is beyond any result set we could hold, so refuse it plainly.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw Problem($"{name}={value}: the value must be a whole number from 0 to {int.MaxValue} (PS3.18 8.3.4.4).");
    }

    private static void CheckPathUid(string? uid, DicomTag tag)
    {
        if (uid is not null && !QidoValueParser.IsUid(uid))
        {
            throw Problem($"'{uid}' in the path is not a valid {Name(tag)} (PS3.5 9.1: digits and dots, at most 64 characters).", tag, uid);
        }
    }

    internal static string Name(DicomTag tag) =>
        DicomDictionary.Lookup(tag)?.Keyword is { Length: > 0 } keyword ? $"{keyword} {tag}" : tag.ToString();

    /// <summary>The 400 to throw: the reason, and the attribute and UID concerned when there is one.</summary>
    internal static DicomWebException Problem(string detail, DicomTag? tag = null, string? uid = null)
    {
        var problem = DicomWebProblem.BadRequest(detail);
        problem = tag is { } t ? problem.WithTag(t) : problem;
        return new DicomWebException(problem with { Uid = uid });
    }
}
