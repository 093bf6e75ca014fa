namespace Pacs.DicomWeb.Http;

/// <summary>
/// Splits a raw query string into its name/value pairs in order, percent-decoded (RFC 3986 2.1), names kept as sent
/// because DICOMweb query parameter names are case-sensitive (PS3.18 8.3.3.1, 8.3.4). A '+' stays a '+': RFC 3986
/// gives it no meaning, and in DICOM values it is a sign or a time zone offset ("+0100"), not a space.
/// </summary>
public static class QueryStringParser
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string? queryString)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(queryString))
        {
            return pairs;
        }

        var text = queryString.StartsWith('?') ? queryString[1..] : queryString;
        foreach (var piece in text.Split('&'))
        {
            if (piece.Length == 0)
            {
                continue;
            }

            var equals = piece.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? piece : piece[..equals];
            var value = equals < 0 ? string.Empty : piece[(equals + 1)..];
            pairs.Add(new(Decode(name), Decode(value)));
        }

        return pairs;
    }

    /// <summary>Percent-decodes as UTF-8; a '%' not followed by two hex digits is kept literally rather than refused.</summary>
    private static string Decode(string text) => text.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(text) : text;
}
