using Pacs.Http;

namespace Pacs.DicomWeb.Negotiation;

/// <summary>
/// The Selected Media Type and Selected Transfer Syntax (PS3.18 8.7.8) for a response or for each of its parts.
/// </summary>
/// <param name="MediaType">The representation's media type: application/dicom, image/jpeg, application/dicom+json …</param>
/// <param name="IsMultipart">Sent as parts of multipart/related (PS3.18 8.6.1.2) rather than as the whole body.</param>
/// <param name="TransferSyntaxUid">The transfer syntax of DICOM and bulk data representations; null for others.</param>
/// <param name="IsTranscoded">The stored object must be converted to <paramref name="TransferSyntaxUid"/>.</param>
public sealed record NegotiatedRepresentation(string MediaType, bool IsMultipart, string? TransferSyntaxUid = null, bool IsTranscoded = false)
{
    /// <summary>The media type with its transfer-syntax parameter, for a part's or a single-part body's Content-Type (PS3.18 8.7.9).</summary>
    public string PartContentType =>
        TransferSyntaxUid is null ? MediaType : $"{MediaType}; transfer-syntax={TransferSyntaxUid}";

    /// <summary>The response's Content-Type: multipart/related with type and boundary, or <see cref="PartContentType"/>.</summary>
    public string GetContentType(string? boundary = null)
    {
        if (!IsMultipart)
        {
            return PartContentType;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(boundary);
        return $"{DicomMediaTypes.MultipartRelated}; type=\"{MediaType}\"; boundary={Pacs.Http.MediaType.QuoteIfNeeded(boundary)}";
    }

    public override string ToString() => IsMultipart ? $"multipart/related; type=\"{PartContentType}\"" : PartContentType;
}
