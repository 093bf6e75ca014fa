using System.Buffers.Binary;

namespace Pacs.Dicom;

/// <summary>
/// Lets the writer change pixel data between any uncompressed transfer syntax and RLE Lossless (PS3.5 Annex G), one
/// frame at a time with <see cref="RleCodec"/>. The Planar Configuration is kept: frames stored by plane are coded and
/// decoded by plane, so a round trip gives the same bytes.
/// </summary>
public sealed class RleTranscoder : IDicomPixelDataTranscoder
{
    private readonly IDicomBulkDataSource? _bulkDataSource;

    /// <param name="bulkDataSource">Where to read pixel data left in the source whose reference names no source.</param>
    public RleTranscoder(IDicomBulkDataSource? bulkDataSource = null) => _bulkDataSource = bulkDataSource;

    public bool CanTranscode(DicomTransferSyntax source, DicomTransferSyntax target) =>
        (!source.IsEncapsulated && target.Equals(DicomTransferSyntax.RLELossless))
        || (source.Equals(DicomTransferSyntax.RLELossless) && !target.IsEncapsulated);

    public DicomDataset Transcode(DicomDataset dataset, DicomTransferSyntax source, DicomTransferSyntax target)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!CanTranscode(source, target))
        {
            throw new DicomException($"The RLE codec changes pixel data between an uncompressed syntax and RLE Lossless, not from {source} to {target}.");
        }

        var pixels = DicomPixelData.FromDataset(dataset, source, _bulkDataSource);
        if (pixels.Tag != DicomTag.PixelData)
        {
            throw new DicomException($"Only Pixel Data (7FE0,0010) can be RLE coded, not {pixels.Element.Tag} (PS3.5 A.4).");
        }

        if (pixels.PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422")
        {
            throw new DicomException($"RLE Lossless codes every sample of every pixel; {pixels.PhotometricInterpretation} pixel data is subsampled (PS3.5 8.2.2).");
        }

        var copy = dataset.Clone();
        copy.Set(target.IsEncapsulated ? Encode(pixels) : Decode(pixels));
        return copy;
    }

    private DicomFragmentSequence Encode(DicomPixelData pixels)
    {
        var planar = pixels.SamplesPerPixel > 1 && pixels.PlanarConfiguration == 1;
        var fragments = new List<DicomFragment>(pixels.NumberOfFrames);
        var offsets = new byte[4 * pixels.NumberOfFrames];
        long position = 0;
        for (var i = 0; i < pixels.NumberOfFrames; i++)
        {
            // PS3.5 A.4 (RLE): each frame is exactly one fragment; the Basic Offset Table points at its item.
            var encoded = RleCodec.Encode(pixels.ReadFrame(i, _bulkDataSource), pixels.Rows, pixels.Columns, pixels.SamplesPerPixel, pixels.BitsAllocated, planar);
            if (position <= uint.MaxValue)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(offsets.AsSpan(i * 4), (uint)position);
            }
            else
            {
                // Past 4 GiB the 32-bit table cannot point; leave it empty (one fragment per frame still locates every frame).
                offsets = [];
            }

            fragments.Add(new DicomFragment(-1, encoded.Length, encoded));
            position += 8 + encoded.Length;
        }

        return new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, new DicomFragment(-1, offsets.Length, offsets), fragments);
    }

    private DicomElement Decode(DicomPixelData pixels)
    {
        var planar = pixels.SamplesPerPixel > 1 && pixels.PlanarConfiguration == 1;
        var frameBits = pixels.FrameBitCount;
        var totalBytes = ((frameBits * pixels.NumberOfFrames) + 7) / 8;
        totalBytes += totalBytes & 1; // PS3.5 7.1.1: even value length
        if (totalBytes > Array.MaxLength)
        {
            throw new DicomException($"The decoded pixel data would be {totalBytes} bytes, more than one value can hold in memory.");
        }

        var native = new byte[totalBytes];
        for (var i = 0; i < pixels.NumberOfFrames; i++)
        {
            var frame = RleCodec.Decode(pixels.ReadFrame(i, _bulkDataSource), pixels.Rows, pixels.Columns, pixels.SamplesPerPixel, pixels.BitsAllocated, planar);
            if (frameBits % 8 != 0)
            {
                // The bits of the last byte past the frame are whatever the encoder left; clear them before the next frame joins.
                frame = DicomPixelData.RepackBits(frame, 0, frameBits);
            }

            var startBit = i * frameBits;
            if (startBit % 8 == 0)
            {
                frame.CopyTo(native, startBit / 8);
            }
            else
            {
                // PS3.5 8.2: packed 1-bit frames follow each other without padding, so this one starts inside a byte.
                AppendBits(frame, frameBits, native, startBit);
            }
        }

        return new DicomElement(DicomTag.PixelData, pixels.BitsAllocated > 8 ? DicomVR.OW : DicomVR.OB, native);
    }

    private static void AppendBits(byte[] frame, long bitCount, byte[] destination, long startBit)
    {
        var shift = (int)(startBit % 8);
        var at = startBit / 8;
        var byteCount = (bitCount + 7) / 8;
        for (long j = 0; j < byteCount; j++)
        {
            destination[at + j] |= (byte)(frame[j] << shift);
            if (at + j + 1 < destination.Length)
            {
                destination[at + j + 1] |= (byte)(frame[j] >> (8 - shift));
            }
        }
    }
}
