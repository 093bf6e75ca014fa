namespace Pacs.DicomWeb.Negotiation;

/// <summary>Media type names DICOMweb uses (PS3.18 8.7.3, 8.7.4) and the transfer syntaxes that come with them.</summary>
public static class DicomMediaTypes
{
    public const string Dicom = "application/dicom";
    public const string DicomJson = "application/dicom+json";
    public const string DicomXml = "application/dicom+xml";

    /// <summary>Plain JSON: not a DICOM media type, but many clients ask for it; answered with the DICOM JSON Model.</summary>
    public const string Json = "application/json";

    public const string OctetStream = "application/octet-stream";
    public const string MultipartRelated = "multipart/related";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";

    /// <summary>Explicit VR Little Endian: the default transfer syntax of DICOM and uncompressed bulk data (PS3.18 8.7.3.5.2).</summary>
    public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";

    /// <summary>The transfer-syntax parameter value meaning "any, as you have it" (PS3.18 8.7.3.5.2).</summary>
    public const string AnyTransferSyntax = "*";

    /// <summary>True for a transfer-syntax parameter value PS3.18 8.7.3.5.2 allows: a UID (PS3.5 9.1) or "*".</summary>
    public static bool IsTransferSyntaxValue(string? value) =>
        value is AnyTransferSyntax || (value is { Length: > 0 and <= 64 } && value[0] != '.' && value[^1] != '.'
            && !value.Contains("..", StringComparison.Ordinal) && value.All(c => c is '.' or (>= '0' and <= '9')));
}
