using Pacs.Dicom;

namespace Pacs.DicomWeb.Negotiation;

/// <summary>
/// Which media type carries frames or bulk data in which transfer syntax (PS3.18 8.7.3.3, Tables 8.7.3-4 and 8.7.3-5),
/// and each media type's default transfer syntax (the "D" rows).
/// </summary>
public static class BulkDataMediaTypes
{
    private static readonly (string MediaType, string[] TransferSyntaxes)[] Table =
    [
        // Uncompressed (Table 8.7.3-4); the first is the default.
        (DicomMediaTypes.OctetStream, [DicomMediaTypes.ExplicitVRLittleEndian, "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.8.1"]),

        // Compressed (Table 8.7.3-5); the first of each row is its default.
        (DicomMediaTypes.Jpeg, ["1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57"]),
        ("image/dicom-rle", ["1.2.840.10008.1.2.5"]),
        ("image/jls", ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"]),
        ("image/jp2", ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"]),
        ("image/jpx", ["1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93"]),
        ("image/jphc", ["1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"]),
        ("image/jxl", ["1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112"]),
        ("video/mpeg", ["1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101"]),
        ("video/mp4", ["1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.106"]),
        ("video/H265", ["1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"]),
    ];

    /// <summary>The media types frames and bulk data can be sent as.</summary>
    public static IEnumerable<string> MediaTypes => Table.Select(row => row.MediaType);

    public static bool IsBulkDataMediaType(string mediaType) => Row(mediaType) is not null;

    /// <summary>The default transfer syntax of a bulk data media type, or null if it is not one.</summary>
    public static string? DefaultTransferSyntax(string mediaType) => Row(mediaType)?.TransferSyntaxes[0];

    /// <summary>
    /// The media type that carries frames of <paramref name="frameTransferSyntaxUid"/> (as given by
    /// <see cref="FrameTransferSyntax"/>): image/jpeg for JPEG, application/octet-stream for native data and
    /// for encapsulated syntaxes without a media type of their own.
    /// </summary>
    public static string MediaTypeOf(string frameTransferSyntaxUid)
    {
        foreach (var (mediaType, syntaxes) in Table)
        {
            if (syntaxes.Contains(frameTransferSyntaxUid))
            {
                return mediaType;
            }
        }

        return DicomMediaTypes.OctetStream;
    }

    /// <summary>
    /// The transfer syntax that describes frames extracted from an object stored in <paramref name="storedTransferSyntaxUid"/>.
    /// Frames of Implicit VR, Explicit VR or deflated little endian data (and of Encapsulated Uncompressed) are the same
    /// little endian pixel bytes, so they are labelled Explicit VR Little Endian (PS3.18 8.7.3.3.1); big endian stays
    /// big endian; encapsulated syntaxes keep their own UID. Null (bulk data that is not pixel data) is native data.
    /// </summary>
    public static string FrameTransferSyntax(string? storedTransferSyntaxUid)
    {
        if (storedTransferSyntaxUid is null)
        {
            return DicomMediaTypes.ExplicitVRLittleEndian;
        }

        var syntax = DicomTransferSyntax.Lookup(storedTransferSyntaxUid);
        if (syntax.IsBigEndian)
        {
            return syntax.Uid;
        }

        var uncompressed = !syntax.IsEncapsulated || syntax.Uid == DicomTransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian.Uid;
        return uncompressed ? DicomMediaTypes.ExplicitVRLittleEndian : syntax.Uid;
    }

    private static (string MediaType, string[] TransferSyntaxes)? Row(string mediaType)
    {
        foreach (var row in Table)
        {
            if (string.Equals(row.MediaType, mediaType, StringComparison.OrdinalIgnoreCase))
            {
                return row;
            }
        }

        return null;
    }
}
