using Pacs.Dicom.Codecs.JpegLs;

namespace Pacs.Dicom;

/// <summary>
/// DICOM's JPEG-LS transfer syntaxes (PS3.5 A.4.3, 8.2.3): Lossless and Near-Lossless. One frame is one JPEG-LS
/// stream; the result is native little-endian samples, colour by pixel. JPEG-LS applies no colour transform, so the
/// Photometric Interpretation is kept.
/// </summary>
internal sealed class JpegLsFrameDecoder : IDicomFrameDecoder
{
    public bool CanDecode(DicomTransferSyntax transferSyntax) => transferSyntax.Uid is "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81";

    public DicomDecodedFrame Decode(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        ArgumentNullException.ThrowIfNull(geometry);
        var image = JpegLsDecoder.Decode(frame.ToArray(), geometry.Columns, geometry.Rows);
        JpegFrameDecoder.CheckAgainstGeometry(image.Width, image.Height, image.Planes.Length, image.Precision, geometry, "JPEG-LS");
        return new DicomDecodedFrame(JpegFrameDecoder.Interleave(image.Planes, geometry), geometry.PhotometricInterpretation, 0);
    }
}
