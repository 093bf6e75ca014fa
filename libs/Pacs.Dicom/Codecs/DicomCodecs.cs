using System.IO.Compression;

namespace Pacs.Dicom;

/// <summary>
/// The registry of frame decoders: which encapsulated transfer syntaxes this library turns back into native pixel
/// data, and the one call that does it. Rendering and transcoding both go through here, so a syntax either works in
/// both or fails in both with the same <see cref="DicomCodecNotSupportedException"/>.
/// </summary>
public static class DicomCodecs
{
    private static readonly IDicomFrameDecoder[] Decoders =
    [
        new RleFrameDecoder(),
        new JpegFrameDecoder(),
        new JpegLsFrameDecoder(),
        new UncompressedFrameDecoder(),
    ];

    /// <summary>Every transfer syntax whose frames <see cref="DecodeFrame"/> decodes (the native ones need no decoding).</summary>
    public static IReadOnlyList<DicomTransferSyntax> DecodableTransferSyntaxes { get; } =
    [
        DicomTransferSyntax.RLELossless,
        DicomTransferSyntax.JPEGBaseline8Bit,
        DicomTransferSyntax.JPEGExtended12Bit,
        DicomTransferSyntax.Lookup(JpegFrameDecoder.SpectralSelectionUid),
        DicomTransferSyntax.Lookup(JpegFrameDecoder.ProgressiveUid),
        DicomTransferSyntax.JPEGLossless,
        DicomTransferSyntax.JPEGLosslessSV1,
        DicomTransferSyntax.JPEGLSLossless,
        DicomTransferSyntax.JPEGLSNearLossless,
        DicomTransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian,
        DicomTransferSyntax.DeflatedImageFrameCompression,
    ];

    /// <summary>True when frames of <paramref name="transferSyntax"/> are native or a registered decoder reads them.</summary>
    public static bool CanDecode(DicomTransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return !transferSyntax.IsEncapsulated || FindDecoder(transferSyntax) is not null;
    }

    /// <summary>The decoder for <paramref name="transferSyntax"/>, or null when none is registered.</summary>
    public static IDicomFrameDecoder? FindDecoder(DicomTransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return Array.Find(Decoders, d => d.CanDecode(transferSyntax));
    }

    /// <summary>
    /// Decodes one frame as stored in <paramref name="transferSyntax"/> into native little-endian samples. A native
    /// frame comes back as it is, described by the geometry.
    /// </summary>
    /// <exception cref="DicomCodecNotSupportedException">No decoder reads this transfer syntax.</exception>
    /// <exception cref="DicomCodecException">The frame is corrupt, truncated or disagrees with <paramref name="geometry"/>.</exception>
    public static DicomDecodedFrame DecodeFrame(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        ArgumentNullException.ThrowIfNull(geometry);
        if (!transferSyntax.IsEncapsulated)
        {
            if (frame.Length < geometry.NativeFrameLength)
            {
                throw new DicomCodecException($"The native frame has {frame.Length} bytes; the image attributes need {geometry.NativeFrameLength}.");
            }

            return new DicomDecodedFrame(frame.ToArray(), geometry.PhotometricInterpretation, geometry.PlanarConfiguration);
        }

        var decoder = FindDecoder(transferSyntax) ?? throw new DicomCodecNotSupportedException(transferSyntax);
        return decoder.Decode(transferSyntax, frame, geometry);
    }

    /// <summary>RLE Lossless (PS3.5 Annex G) through <see cref="RleCodec"/>.</summary>
    private sealed class RleFrameDecoder : IDicomFrameDecoder
    {
        public bool CanDecode(DicomTransferSyntax transferSyntax) => transferSyntax.Equals(DicomTransferSyntax.RLELossless);

        public DicomDecodedFrame Decode(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry)
        {
            var planar = geometry.SamplesPerPixel > 1 && geometry.PlanarConfiguration == 1;
            try
            {
                var pixels = RleCodec.Decode(frame, geometry.Rows, geometry.Columns, geometry.SamplesPerPixel, geometry.BitsAllocated, planar);
                return new DicomDecodedFrame(pixels, geometry.PhotometricInterpretation, planar ? 1 : 0);
            }
            catch (DicomException e) when (e is not DicomCodecException)
            {
                throw new DicomCodecException(e.Message, e);
            }
        }
    }

    /// <summary>
    /// Encapsulated Uncompressed (PS3.5 A.4.11: native bytes in fragments) and Deflated Image Frame Compression
    /// (PS3.5 A.4.12: each frame a raw deflate stream of its native bytes).
    /// </summary>
    private sealed class UncompressedFrameDecoder : IDicomFrameDecoder
    {
        public bool CanDecode(DicomTransferSyntax transferSyntax) =>
            transferSyntax.Equals(DicomTransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian)
            || transferSyntax.Equals(DicomTransferSyntax.DeflatedImageFrameCompression);

        public DicomDecodedFrame Decode(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry)
        {
            var length = geometry.NativeFrameLength;
            if (length > Array.MaxLength)
            {
                throw new DicomCodecException($"A native frame of {length} bytes is more than one array can hold.");
            }

            var pixels = new byte[length];
            if (transferSyntax.Equals(DicomTransferSyntax.DeflatedImageFrameCompression))
            {
                using var inflater = new DeflateStream(new MemoryStream(frame.ToArray()), CompressionMode.Decompress);
                try
                {
                    inflater.ReadExactly(pixels);
                }
                catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                {
                    throw new DicomCodecException($"The deflated frame does not inflate to the {length} bytes of a native frame (PS3.5 A.4.12): {e.Message}", e);
                }
            }
            else if (frame.Length < length)
            {
                throw new DicomCodecException($"The encapsulated uncompressed frame has {frame.Length} bytes; the image attributes need {length} (PS3.5 A.4.11).");
            }
            else
            {
                frame[..(int)length].CopyTo(pixels);
            }

            return new DicomDecodedFrame(pixels, geometry.PhotometricInterpretation, geometry.SamplesPerPixel > 1 ? geometry.PlanarConfiguration : 0);
        }
    }
}
