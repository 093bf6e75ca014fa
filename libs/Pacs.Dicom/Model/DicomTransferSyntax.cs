using System.Collections.Concurrent;

namespace Pacs.Dicom;

/// <summary>
/// A transfer syntax (PS3.5 10) and the encoding facts the reader and writer need: VR explicit or
/// implicit, byte order, deflated data set, encapsulated pixel data. Names come from the generated
/// UID registry.
/// </summary>
public sealed class DicomTransferSyntax : IEquatable<DicomTransferSyntax>
{
    private static readonly ConcurrentDictionary<string, DicomTransferSyntax> Known = new(StringComparer.Ordinal);

    public static readonly DicomTransferSyntax ImplicitVRLittleEndian = Register("1.2.840.10008.1.2", explicitVR: false, bigEndian: false, deflated: false, encapsulated: false);
    public static readonly DicomTransferSyntax ExplicitVRLittleEndian = Register("1.2.840.10008.1.2.1", true, false, false, false);
    public static readonly DicomTransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = Register("1.2.840.10008.1.2.1.98", true, false, false, true);
    public static readonly DicomTransferSyntax DeflatedExplicitVRLittleEndian = Register("1.2.840.10008.1.2.1.99", true, false, true, false);
    public static readonly DicomTransferSyntax ExplicitVRBigEndian = Register("1.2.840.10008.1.2.2", true, true, false, false);
    public static readonly DicomTransferSyntax JPEGBaseline8Bit = Register("1.2.840.10008.1.2.4.50", true, false, false, true, "image/jpeg");
    public static readonly DicomTransferSyntax JPEGExtended12Bit = Register("1.2.840.10008.1.2.4.51", true, false, false, true, "image/jpeg");
    public static readonly DicomTransferSyntax JPEGLossless = Register("1.2.840.10008.1.2.4.57", true, false, false, true, "image/jpeg");
    public static readonly DicomTransferSyntax JPEGLosslessSV1 = Register("1.2.840.10008.1.2.4.70", true, false, false, true, "image/jpeg");
    public static readonly DicomTransferSyntax JPEGLSLossless = Register("1.2.840.10008.1.2.4.80", true, false, false, true, "image/jls");
    public static readonly DicomTransferSyntax JPEGLSNearLossless = Register("1.2.840.10008.1.2.4.81", true, false, false, true, "image/jls");
    public static readonly DicomTransferSyntax JPEG2000Lossless = Register("1.2.840.10008.1.2.4.90", true, false, false, true, "image/jp2");
    public static readonly DicomTransferSyntax JPEG2000 = Register("1.2.840.10008.1.2.4.91", true, false, false, true, "image/jp2");
    public static readonly DicomTransferSyntax JPEG2000MCLossless = Register("1.2.840.10008.1.2.4.92", true, false, false, true, "image/jpx");
    public static readonly DicomTransferSyntax JPEG2000MC = Register("1.2.840.10008.1.2.4.93", true, false, false, true, "image/jpx");
    public static readonly DicomTransferSyntax MPEG2MPML = Register("1.2.840.10008.1.2.4.100", true, false, false, true, "video/mpeg");
    public static readonly DicomTransferSyntax MPEG4HP41 = Register("1.2.840.10008.1.2.4.102", true, false, false, true, "video/mp4");
    public static readonly DicomTransferSyntax HEVCMP51 = Register("1.2.840.10008.1.2.4.107", true, false, false, true, "video/H265");
    public static readonly DicomTransferSyntax JPEGXLLossless = Register("1.2.840.10008.1.2.4.110", true, false, false, true, "image/jxl");
    public static readonly DicomTransferSyntax JPEGXLJPEGRecompression = Register("1.2.840.10008.1.2.4.111", true, false, false, true, "image/jxl");
    public static readonly DicomTransferSyntax JPEGXL = Register("1.2.840.10008.1.2.4.112", true, false, false, true, "image/jxl");
    public static readonly DicomTransferSyntax HTJ2KLossless = Register("1.2.840.10008.1.2.4.201", true, false, false, true, "image/jphc");
    public static readonly DicomTransferSyntax HTJ2KLosslessRPCL = Register("1.2.840.10008.1.2.4.202", true, false, false, true, "image/jphc");
    public static readonly DicomTransferSyntax HTJ2K = Register("1.2.840.10008.1.2.4.203", true, false, false, true, "image/jphc");
    public static readonly DicomTransferSyntax RLELossless = Register("1.2.840.10008.1.2.5", true, false, false, true, "image/dicom-rle");
    public static readonly DicomTransferSyntax DeflatedImageFrameCompression = Register("1.2.840.10008.1.2.8.1", true, false, false, true, "application/octet-stream");

    private DicomTransferSyntax(string uid, bool explicitVR, bool bigEndian, bool deflated, bool encapsulated, string? frameMediaType, bool isKnown)
    {
        Uid = uid;
        IsExplicitVR = explicitVR;
        IsBigEndian = bigEndian;
        IsDeflated = deflated;
        IsEncapsulated = encapsulated;
        FrameMediaType = frameMediaType ?? (encapsulated ? "application/octet-stream" : "application/octet-stream");
        IsKnown = isKnown;
    }

    public string Uid { get; }

    /// <summary>The registry name, e.g. "Explicit VR Little Endian"; the UID itself for an unknown syntax.</summary>
    public string Name => DicomUidRegistry.Lookup(Uid)?.Name ?? Uid;

    /// <summary>PS3.6 keyword, e.g. "ExplicitVRLittleEndian".</summary>
    public string Keyword => DicomUidRegistry.Lookup(Uid)?.Keyword ?? string.Empty;

    public bool IsExplicitVR { get; }

    public bool IsBigEndian { get; }

    /// <summary>The data set after the file meta group is deflated (PS3.5 A.5).</summary>
    public bool IsDeflated { get; }

    /// <summary>Pixel data is encapsulated in fragments (PS3.5 A.4).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>The media type of one frame in WADO-RS (PS3.18 8.7.3.3.2): image/jpeg, image/jls, image/jp2, image/dicom-rle …</summary>
    public string FrameMediaType { get; }

    /// <summary>Defined by DICOM (in the registry), as opposed to a UID this library only met in a file.</summary>
    public bool IsKnown { get; }

    /// <summary>
    /// Lossy compression (JPEG baseline/extended and the retired DCT processes — spectral selection, progressive,
    /// hierarchical DCT — JPEG-LS near-lossless, JPEG 2000, HTJ2K, JPEG XL, video).
    /// </summary>
    public bool IsLossy => Uid is "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or "1.2.840.10008.1.2.4.81"
        or "1.2.840.10008.1.2.4.52" or "1.2.840.10008.1.2.4.53" or "1.2.840.10008.1.2.4.54" or "1.2.840.10008.1.2.4.55" or "1.2.840.10008.1.2.4.56"
        or "1.2.840.10008.1.2.4.59" or "1.2.840.10008.1.2.4.60" or "1.2.840.10008.1.2.4.61" or "1.2.840.10008.1.2.4.62" or "1.2.840.10008.1.2.4.63"
        or "1.2.840.10008.1.2.4.64"
        or "1.2.840.10008.1.2.4.91" or "1.2.840.10008.1.2.4.93" or "1.2.840.10008.1.2.4.203" or "1.2.840.10008.1.2.4.112"
        || Uid.StartsWith("1.2.840.10008.1.2.4.10", StringComparison.Ordinal);

    /// <summary>
    /// Finds a transfer syntax by UID. A UID that is not a known transfer syntax gives one read as
    /// Explicit VR Little Endian with encapsulated pixel data (PS3.5 10: every transfer syntax but the
    /// first three is explicit little endian), marked <see cref="IsKnown"/> false.
    /// </summary>
    public static DicomTransferSyntax Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var clean = uid.Trim('\0', ' ');
        if (Known.TryGetValue(clean, out var ts))
        {
            return ts;
        }

        var registry = DicomUidRegistry.Lookup(clean);
        var isTransferSyntax = registry?.Type == "Transfer Syntax";
        return Known.GetOrAdd(clean, u => new DicomTransferSyntax(u, true, false, false, true, null, isTransferSyntax));
    }

    private static DicomTransferSyntax Register(string uid, bool explicitVR, bool bigEndian, bool deflated, bool encapsulated, string? frameMediaType = null)
    {
        var ts = new DicomTransferSyntax(uid, explicitVR, bigEndian, deflated, encapsulated, frameMediaType, isKnown: true);
        Known[uid] = ts;
        return ts;
    }

    public bool Equals(DicomTransferSyntax? other) => other is not null && other.Uid == Uid;

    public override bool Equals(object? obj) => Equals(obj as DicomTransferSyntax);

    public override int GetHashCode() => Uid.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => $"{Name} ({Uid})";
}
