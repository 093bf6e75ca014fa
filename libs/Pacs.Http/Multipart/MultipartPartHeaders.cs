namespace Pacs.Http.Multipart;

/// <summary>
/// The header fields <see cref="MultipartRelatedWriter"/> writes for one part (PS3.18 8.6.1.2, 8.7.9): always
/// Content-Type, the others when set.
/// </summary>
/// <param name="ContentType">The part's media type with its parameters, e.g. "application/dicom; transfer-syntax=1.2.840.10008.1.2.1".</param>
public sealed record MultipartPartHeaders(string ContentType)
{
    /// <summary>The URL of the resource in the part (PS3.18 8.6.1.2: bulk data parts name their BulkDataURI).</summary>
    public string? ContentLocation { get; init; }

    /// <summary>RFC 2392 Content-ID.</summary>
    public string? ContentId { get; init; }

    /// <summary>The body's length in bytes, when known before it is written.</summary>
    public long? ContentLength { get; init; }
}
