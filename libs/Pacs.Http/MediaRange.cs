using System.Globalization;

namespace Pacs.Http;

/// <summary>
/// One element of an Accept header field or accept query parameter (RFC 9110 12.5.1, PS3.18 8.3.3.1 / 8.4.3):
/// a media type or range, its weight and its position in the list.
/// </summary>
/// <param name="MediaType">The media type with its parameters; the weight and any accept-ext after it are not included.</param>
/// <param name="Quality">The q value, 0 to 1 (default 1). Zero means "not acceptable" (RFC 9110 12.4.2).</param>
/// <param name="Position">Index in the list it came from, used to keep the sender's order between equal weights.</param>
public sealed record MediaRange(MediaType MediaType, double Quality, int Position)
{
    /// <summary>
    /// Parses a comma-separated list. Elements that are not valid media ranges are collected in
    /// <paramref name="invalid"/> and otherwise ignored (PS3.18 8.7.7: invalid or unsupported values shall be ignored).
    /// </summary>
    public static IReadOnlyList<MediaRange> ParseList(string? text, out IReadOnlyList<string> invalid)
    {
        var ranges = new List<MediaRange>();
        var rejected = new List<string>();
        foreach (var element in SplitList(text))
        {
            if (TryParse(element, ranges.Count + rejected.Count, out var range))
            {
                ranges.Add(range);
            }
            else
            {
                rejected.Add(element);
            }
        }

        invalid = rejected;
        return ranges;
    }

    /// <summary>Parses one element; the first "q" parameter is the weight and ends the media type's parameters (RFC 9110 12.4.2).</summary>
    public static bool TryParse(string element, int position, out MediaRange range)
    {
        range = null!;
        if (!MediaType.TryParse(element, out var parsed))
        {
            return false;
        }

        var quality = 1.0;
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var parameter in parsed.Parameters)
        {
            if (parameter.Key == "q")
            {
                if (!TryParseQuality(parameter.Value, out quality))
                {
                    return false;
                }

                break; // what follows the weight is accept-ext, which no DICOM service defines
            }

            kept.Add(parameter);
        }

        if (parsed.Type == "*" && parsed.Subtype != "*")
        {
            return false; // "*/json" is not a media range
        }

        range = new MediaRange(new MediaType(parsed.Type, parsed.Subtype, kept), quality, position);
        return true;
    }

    /// <summary>RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).</summary>
    private static bool TryParseQuality(string text, out double quality)
    {
        quality = 0;
        if (text.Length is 0 or > 5 || text[0] is not '0' and not '1' || (text.Length > 1 && text[1] != '.'))
        {
            return false;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quality))
        {
            return false;
        }

        return quality is >= 0 and <= 1;
    }

    /// <summary>Splits on commas that are not inside a quoted-string; empty elements are dropped (RFC 9110 5.6.1).</summary>
    internal static IEnumerable<string> SplitList(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var start = 0;
        var quoted = false;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length)
            {
                var c = text[i];
                if (quoted && c == '\\')
                {
                    i++;
                    continue;
                }

                if (c == '"')
                {
                    quoted = !quoted;
                    continue;
                }

                if (c != ',' || quoted)
                {
                    continue;
                }
            }

            var element = text[start..i].Trim();
            if (element.Length > 0)
            {
                yield return element;
            }

            start = i + 1;
        }
    }

    public override string ToString() =>
        Quality < 1 ? $"{MediaType}; q={Quality.ToString("0.###", CultureInfo.InvariantCulture)}" : MediaType.ToString();
}
