using System.Runtime.Intrinsics;
using Pacs.Dicom.Codecs.Jpeg;

namespace Pacs.Dicom;

/// <summary>
/// DICOM's JPEG transfer syntaxes (PS3.5 A.4.1, 8.2.1): Baseline (Process 1), Extended (Processes 2 and 4),
/// the retired Spectral Selection and Full Progression syntaxes (Huffman coded), Lossless (Process 14) and Lossless Selection Value 1. One
/// frame is one JPEG stream; the result is native little-endian samples, colour by pixel.
/// <para>
/// Colour follows PS3.5 8.2.1 and PS3.3 C.7.6.3.1.2: the Photometric Interpretation names the colour space the JPEG
/// components are in. A lossy frame whose photometric is YBR_FULL_422 or YBR_FULL holds YCbCr (subsampled or not)
/// and is converted to RGB with the full-range equations; YBR_PARTIAL_* with the partial-range ones; RGB and
/// MONOCHROME data are taken as they are, whatever APP markers say. Lossless frames are never converted.
/// </para>
/// </summary>
internal sealed class JpegFrameDecoder : IDicomFrameDecoder
{
    /// <summary>JPEG Full Progression (Processes 10 and 12), retired but still met in old archives.</summary>
    public const string ProgressiveUid = "1.2.840.10008.1.2.4.55";

    /// <summary>JPEG Spectral Selection (Processes 6 and 8), retired: progressive scans without successive approximation.</summary>
    public const string SpectralSelectionUid = "1.2.840.10008.1.2.4.53";

    public bool CanDecode(DicomTransferSyntax transferSyntax) => transferSyntax.Uid is
        "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or SpectralSelectionUid or ProgressiveUid or "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70";

    public DicomDecodedFrame Decode(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        ArgumentNullException.ThrowIfNull(geometry);
        var image = JpegDecoder.Decode(frame.ToArray(), geometry.Columns, geometry.Rows);
        CheckAgainstGeometry(image.Width, image.Height, image.Planes.Length, image.Precision, geometry, "JPEG");

        var photometric = geometry.PhotometricInterpretation;
        if (image.Planes.Length == 3 && !image.IsLossless)
        {
            switch (photometric)
            {
                case "YBR_FULL" or "YBR_FULL_422":
                    YcbcrToRgbFull(image.Planes, image.Precision);
                    photometric = "RGB";
                    break;
                case "YBR_PARTIAL_422" or "YBR_PARTIAL_420":
                    YcbcrToRgbPartial(image.Planes, image.Precision);
                    photometric = "RGB";
                    break;
            }
        }
        else if (image.Planes.Length == 3 && photometric is "YBR_FULL_422" or "YBR_PARTIAL_422" or "YBR_PARTIAL_420")
        {
            // Every pixel now carries all three samples: the native form of this colour space is the unsubsampled one.
            photometric = photometric == "YBR_FULL_422" ? "YBR_FULL" : photometric;
        }

        return new DicomDecodedFrame(Interleave(image.Planes, geometry), photometric, 0);
    }

    /// <summary>The stream's own frame header must describe the image the data set does (PS3.5 8.2.1, A.4).</summary>
    internal static void CheckAgainstGeometry(int width, int height, int components, int precision, DicomFrameGeometry geometry, string what)
    {
        if (width != geometry.Columns || height != geometry.Rows)
        {
            throw new DicomCodecException($"The {what} frame is {width}×{height} but Columns × Rows say {geometry.Columns}×{geometry.Rows}.");
        }

        if (components != geometry.SamplesPerPixel)
        {
            throw new DicomCodecException($"The {what} frame has {components} components but Samples per Pixel is {geometry.SamplesPerPixel}.");
        }

        if (geometry.BitsAllocated is not (8 or 16) || precision > geometry.BitsAllocated)
        {
            throw new DicomCodecException($"{what} samples of {precision} bits do not fit Bits Allocated {geometry.BitsAllocated} (8 or 16 for decoded frames).");
        }
    }

    /// <summary>Planes to one native frame: samples of a pixel together, 8-bit bytes or 16-bit little-endian words.</summary>
    internal static byte[] Interleave(ushort[][] planes, DicomFrameGeometry geometry)
    {
        var count = geometry.Rows * geometry.Columns;
        var n = planes.Length;
        if (geometry.BitsAllocated == 8)
        {
            var bytes = new byte[count * n];
            if (n == 1)
            {
                Narrow(planes[0].AsSpan(0, count), bytes);
                return bytes;
            }

            for (var s = 0; s < n; s++)
            {
                var p = planes[s];
                for (int i = 0, at = s; i < count; i++, at += n)
                {
                    bytes[at] = (byte)p[i];
                }
            }

            return bytes;
        }

        var words = new byte[count * n * 2];
        for (var s = 0; s < n; s++)
        {
            var p = planes[s];
            for (int i = 0, at = s * 2; i < count; i++, at += n * 2)
            {
                words[at] = (byte)p[i];
                words[at + 1] = (byte)(p[i] >> 8);
            }
        }

        return words;
    }

    /// <summary>8-bit samples held in 16-bit words to bytes, 16 at a time where the hardware allows.</summary>
    private static void Narrow(ReadOnlySpan<ushort> source, Span<byte> target)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= source.Length; i += 16)
            {
                var low = Vector128.Create(source.Slice(i, 8));
                var high = Vector128.Create(source.Slice(i + 8, 8));
                Vector128.Narrow(low, high).CopyTo(target.Slice(i, 16));
            }
        }

        for (; i < source.Length; i++)
        {
            target[i] = (byte)source[i];
        }
    }

    /// <summary>
    /// PS3.3 C.7.6.3.1.2 YBR_FULL (the JFIF equations) inverted in 16-bit fixed point with rounding, the way common
    /// JPEG decoders do it, so converted samples match theirs exactly.
    /// </summary>
    internal static void YcbcrToRgbFull(ushort[][] planes, int precision)
    {
        const int ScaleBits = 16;
        const int Half = 1 << (ScaleBits - 1);
        var size = 1 << precision;
        var center = size >> 1;
        var max = size - 1;
        var crR = new int[size];
        var cbB = new int[size];
        var crG = new int[size];
        var cbG = new int[size];
        for (var i = 0; i < size; i++)
        {
            var x = i - center;
            crR[i] = ((Fix(1.40200) * x) + Half) >> ScaleBits;
            cbB[i] = ((Fix(1.77200) * x) + Half) >> ScaleBits;
            crG[i] = -Fix(0.71414) * x;
            cbG[i] = (-Fix(0.34414) * x) + Half;
        }

        var (yp, cbp, crp) = (planes[0], planes[1], planes[2]);
        for (var i = 0; i < yp.Length; i++)
        {
            int y = yp[i];
            var cb = cbp[i] & max;
            var cr = crp[i] & max;
            yp[i] = Clamp(y + crR[cr], max);
            cbp[i] = Clamp(y + ((cbG[cb] + crG[cr]) >> ScaleBits), max);
            crp[i] = Clamp(y + cbB[cb], max);
        }

        static int Fix(double v) => (int)((v * (1 << ScaleBits)) + 0.5);
    }

    /// <summary>PS3.3 C.7.6.3.1.2 YBR_PARTIAL (luminance 16..235, chrominance 16..240 for 8 bits) back to full-range RGB.</summary>
    internal static void YcbcrToRgbPartial(ushort[][] planes, int precision)
    {
        var scale = 1 << (precision - 8);
        var max = (1 << precision) - 1;
        var center = 1 << (precision - 1);
        var (yp, cbp, crp) = (planes[0], planes[1], planes[2]);
        for (var i = 0; i < yp.Length; i++)
        {
            var y = 1.1644 * (yp[i] - (16 * scale));
            var cb = cbp[i] - center;
            var cr = crp[i] - center;
            yp[i] = Clamp((int)Math.Round(y + (1.5960 * cr)), max);
            cbp[i] = Clamp((int)Math.Round(y - (0.3918 * cb) - (0.8130 * cr)), max);
            crp[i] = Clamp((int)Math.Round(y + (2.0172 * cb)), max);
        }
    }

    private static ushort Clamp(int v, int max) => (ushort)(v < 0 ? 0 : v > max ? max : v);
}
