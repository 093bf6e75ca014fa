using System.Globalization;
using Pacs.Http;

namespace Pacs.Http.Multipart;

/// <summary>
/// One body part of a multipart/related message (RFC 2387): its header fields and a body stream that ends at the
/// next boundary delimiter. The body is read straight from the request; it is never held whole.
/// </summary>
public sealed class MultipartPart
{
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;

    internal MultipartPart(int index, IReadOnlyList<KeyValuePair<string, string>> headers, Stream body)
    {
        Index = index;
        _headers = headers;
        Body = body;
        var contentType = GetHeader("Content-Type");
        ContentType = contentType is not null && MediaType.TryParse(contentType, out var parsed) ? parsed : null;
        ContentLocation = GetHeader("Content-Location");
        ContentId = GetHeader("Content-ID");
        ContentLength = long.TryParse(GetHeader("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
    }

    /// <summary>Zero-based position of the part in the message.</summary>
    public int Index { get; }

    /// <summary>Header fields in the order sent (names as sent, values trimmed, folded lines joined).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>
    /// The parsed Content-Type, or null when absent or not a media type (the raw text is still in <see cref="Headers"/>).
    /// RFC 2046 5.1 would default an absent one to text/plain; DICOM parts always carry one, so callers decide.
    /// </summary>
    public MediaType? ContentType { get; }

    /// <summary>Content-Location (PS3.18 8.6.1.2: names a bulk data part a metadata part refers to), or null.</summary>
    public string? ContentLocation { get; }

    /// <summary>Content-ID (RFC 2387 start parameter, cid: references), or null.</summary>
    public string? ContentId { get; }

    /// <summary>
    /// Content-Length when sent and well-formed. Informational: the boundary, not this value, ends the body
    /// (RFC 2046 5.1.1), so a wrong value cannot make the reader lose its place.
    /// </summary>
    public long? ContentLength { get; }

    /// <summary>The body, readable once, ending at the boundary. Reading past a truncated message throws <see cref="MultipartException"/>.</summary>
    public Stream Body { get; }

    /// <summary>The first header of that name (case-insensitive, RFC 5322 2.2), or null.</summary>
    public string? GetHeader(string name)
    {
        foreach (var (key, value) in _headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public override string ToString() => $"part {Index}: {ContentType?.ToString() ?? "(no Content-Type)"}";
}
