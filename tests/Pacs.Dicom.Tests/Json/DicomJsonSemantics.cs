using System.Globalization;
using System.Text.Json;

namespace Pacs.Dicom.Tests.Json;

/// <summary>
/// Compares two DICOM JSON documents by meaning, not by bytes: attributes by tag in any order; an absent Value,
/// an empty array, [""] and [{"Alphabetic":""}] all mean "empty"; strings after trimming; numbers numerically
/// (a number and a numeric string are equal); PN objects group by group; InlineBinary by its decoded bytes.
/// </summary>
internal static class DicomJsonSemantics
{
    /// <summary>Relative tolerance for numbers: FL values printed by other tools may carry fewer digits.</summary>
    private const double RelativeTolerance = 1e-6;

    /// <summary>Every difference, one line each ("00081115[0].00081150: …"); empty when the documents agree.</summary>
    public static List<string> Differences(JsonElement expected, JsonElement actual, Func<string, JsonElement, bool>? skipExpected = null)
    {
        var differences = new List<string>();
        CompareDatasets(expected, actual, string.Empty, differences, skipExpected);
        return differences;
    }

    private static void CompareDatasets(JsonElement expected, JsonElement actual, string path, List<string> differences, Func<string, JsonElement, bool>? skip)
    {
        var left = expected.EnumerateObject().ToDictionary(p => p.Name.ToUpperInvariant(), p => p.Value);
        var right = actual.EnumerateObject().ToDictionary(p => p.Name.ToUpperInvariant(), p => p.Value);
        foreach (var tag in left.Keys.Union(right.Keys).Order(StringComparer.Ordinal))
        {
            var where = path + tag;
            if (left.TryGetValue(tag, out var l) && skip?.Invoke(where, l) == true)
            {
                continue;
            }

            if (!left.ContainsKey(tag) || !right.ContainsKey(tag))
            {
                differences.Add($"{where}: only in {(left.ContainsKey(tag) ? "expected" : "actual")}");
                continue;
            }

            CompareAttributes(left[tag], right[tag], where, differences, skip);
        }
    }

    private static void CompareAttributes(JsonElement expected, JsonElement actual, string where, List<string> differences, Func<string, JsonElement, bool>? skip)
    {
        var vr = expected.GetProperty("vr").GetString();
        if (vr != actual.GetProperty("vr").GetString())
        {
            differences.Add($"{where}: vr {vr} vs {actual.GetProperty("vr").GetString()}");
            return;
        }

        if (Has(expected, "InlineBinary") || Has(actual, "InlineBinary"))
        {
            var l = Has(expected, "InlineBinary") ? expected.GetProperty("InlineBinary").GetBytesFromBase64() : [];
            var r = Has(actual, "InlineBinary") ? actual.GetProperty("InlineBinary").GetBytesFromBase64() : [];
            if (!l.AsSpan().SequenceEqual(r))
            {
                differences.Add($"{where}: InlineBinary of {l.Length} vs {r.Length} bytes differs");
            }

            return;
        }

        if (Has(expected, "BulkDataURI") || Has(actual, "BulkDataURI"))
        {
            var l = Has(expected, "BulkDataURI") ? expected.GetProperty("BulkDataURI").GetString() : null;
            var r = Has(actual, "BulkDataURI") ? actual.GetProperty("BulkDataURI").GetString() : null;
            if (l != r)
            {
                differences.Add($"{where}: BulkDataURI '{l}' vs '{r}'");
            }

            return;
        }

        var left = Values(expected);
        var right = Values(actual);
        if (vr == "SQ")
        {
            if (left.Count != right.Count)
            {
                differences.Add($"{where}: {left.Count} vs {right.Count} items");
                return;
            }

            for (var i = 0; i < left.Count; i++)
            {
                CompareDatasets(left[i], right[i], $"{where}[{i}].", differences, skip);
            }

            return;
        }

        if (vr is "US" or "SS" or "UL" or "SL" or "SV" or "UV" or "FL" or "FD")
        {
            // Binary numbers have no empty entry; the reader drops a null there, so it carries no meaning.
            left.RemoveAll(v => v.ValueKind == JsonValueKind.Null);
            right.RemoveAll(v => v.ValueKind == JsonValueKind.Null);
        }

        var l2 = Normalize(left, vr!);
        var r2 = Normalize(right, vr!);
        if (l2.Count != r2.Count || l2.Zip(r2).Any(p => !ValueEquals(p.First, p.Second, vr!)))
        {
            differences.Add($"{where}: [{string.Join(", ", l2)}] vs [{string.Join(", ", r2)}]");
        }
    }

    private static bool Has(JsonElement attribute, string member) =>
        attribute.TryGetProperty(member, out var value) && value.ValueKind != JsonValueKind.Null;

    private static List<JsonElement> Values(JsonElement attribute) =>
        attribute.TryGetProperty("Value", out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    /// <summary>Each value as a comparable string; a lone empty value is no value.</summary>
    private static List<string> Normalize(List<JsonElement> values, string vr)
    {
        var result = values.Select(v => v.ValueKind switch
        {
            JsonValueKind.Null => string.Empty,
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.String => v.GetString()!.Trim(),
            JsonValueKind.Object => PersonName(v),
            _ => v.GetRawText(),
        }).ToList();
        return result is [""] ? [] : result;
    }

    /// <summary>PS3.5 6.2.1.1: trailing empty components and their '^' carry no meaning, nor do trailing empty groups.</summary>
    private static string PersonName(JsonElement name)
    {
        string Group(string member) => name.TryGetProperty(member, out var g) && g.ValueKind == JsonValueKind.String
            ? string.Join('^', g.GetString()!.Split('^').Select(c => c.Trim())).TrimEnd('^')
            : string.Empty;
        var text = $"{Group("Alphabetic")}={Group("Ideographic")}={Group("Phonetic")}";
        return text.TrimEnd('=');
    }

    private static bool ValueEquals(string left, string right, string vr)
    {
        if (left == right)
        {
            return true;
        }

        if (double.TryParse(left, NumberStyles.Float, CultureInfo.InvariantCulture, out var l)
            && double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var r))
        {
            if (vr == "FL")
            {
                // An FL is a 32-bit float: two spellings are the same value when they round to the same float.
                return (float)l == (float)r;
            }

            return l == r || Math.Abs(l - r) <= RelativeTolerance * Math.Max(Math.Abs(l), Math.Abs(r));
        }

        return false;
    }
}
