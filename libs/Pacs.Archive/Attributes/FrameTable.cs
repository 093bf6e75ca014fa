using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>Where one frame lies in a stored object.</summary>
/// <param name="Number">Frame number, 1-based as in WADO-RS.</param>
/// <param name="Ranges">Byte ranges of the blob to read and concatenate, in order; empty when the frame is missing.</param>
/// <param name="FirstBitOffset">For packed 1-bit native data: bit of the first byte where the frame starts (PS3.5 8.1.1).</param>
/// <param name="BitCount">Bits of the frame (native: Rows × Columns × samples × Bits Allocated; encapsulated: 8 × bytes).</param>
/// <param name="IsBigEndian">Native samples stored big-endian (Explicit VR Big Endian): they need swapping before they are served.</param>
public sealed record StoredFrame(int Number, IReadOnlyList<DicomByteRange> Ranges, int FirstBitOffset, long BitCount, bool IsBigEndian)
{
    public bool IsMissing => Ranges.Count == 0;

    public long Length => Ranges.Sum(r => r.Length);

    /// <summary>True when the concatenated ranges are the frame as served: byte-aligned, little-endian or encapsulated.</summary>
    public bool IsServableAsStored => FirstBitOffset == 0 && !IsBigEndian;
}

/// <summary>
/// The frame byte ranges of an instance, computed once at ingest from <see cref="DicomPixelData"/> and kept in the
/// index in a compact binary form (about six bytes per native frame), so WADO-RS frame requests are range reads
/// with no parse of the stored object.
/// Format (version 1): version byte, flags byte (1 encapsulated, 2 big-endian), varint frame count, then per frame a
/// varint range count (0: missing), a varint first-bit offset, a varint bit count, and per range a zig-zag varint
/// offset delta from the previous range's end and a varint length.
/// </summary>
public static class FrameTable
{
    private const byte FormatVersion = 1;

    /// <summary>The frame table of a data set read from the stored bytes, or null when it has no pixel data or no usable offsets.</summary>
    public static byte[]? Build(DicomDataset dataset, DicomTransferSyntax transferSyntax, IDicomBulkDataSource? source, out string? warning)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        warning = null;
        if (!dataset.Contains(DicomTag.PixelData) && !dataset.Contains(DicomTag.FloatPixelData) && !dataset.Contains(DicomTag.DoubleFloatPixelData))
            return null;
        try
        {
            var pixels = DicomPixelData.FromDataset(dataset, transferSyntax, source);
            if (!pixels.HasSourceOffsets)
                return null;
            var frames = new List<DicomFrameRanges>(pixels.NumberOfFrames);
            for (int i = 0; i < pixels.NumberOfFrames; i++)
                frames.Add(pixels.GetFrameRanges(i));
            return Encode(frames, pixels.IsEncapsulated, pixels.IsBigEndian);
        }
        catch (DicomException e)
        {
            // The object is stored as sent; only frame-level retrieval of it is unavailable.
            warning = $"Frames cannot be located: {e.Message}";
            return null;
        }
    }

    internal static byte[] Encode(IReadOnlyList<DicomFrameRanges> frames, bool encapsulated, bool bigEndian)
    {
        var writer = new VarintWriter();
        writer.Byte(FormatVersion);
        writer.Byte((byte)((encapsulated ? 1 : 0) | (bigEndian ? 2 : 0)));
        writer.Unsigned((ulong)frames.Count);
        long previousEnd = 0;
        foreach (var frame in frames)
        {
            writer.Unsigned((ulong)frame.Ranges.Count);
            if (frame.IsMissing)
                continue;
            writer.Unsigned((ulong)frame.FirstBitOffset);
            writer.Unsigned((ulong)frame.BitCount);
            foreach (var range in frame.Ranges)
            {
                writer.Signed(range.Offset - previousEnd);
                writer.Unsigned((ulong)range.Length);
                previousEnd = range.End;
            }
        }
        return writer.ToArray();
    }

    /// <summary>Reads back what <see cref="Build"/> stored.</summary>
    /// <exception cref="FormatException">The bytes are not a frame table of a known version.</exception>
    public static IReadOnlyList<StoredFrame> Decode(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var reader = new VarintReader(encoded);
        if (reader.Byte() != FormatVersion)
            throw new FormatException("Unknown frame table version.");
        byte flags = reader.Byte();
        bool bigEndian = (flags & 2) != 0;
        int count = checked((int)reader.Unsigned());
        var frames = new StoredFrame[count];
        long previousEnd = 0;
        for (int i = 0; i < count; i++)
        {
            int rangeCount = checked((int)reader.Unsigned());
            if (rangeCount == 0)
            {
                frames[i] = new StoredFrame(i + 1, [], 0, 0, bigEndian);
                continue;
            }
            int bitOffset = checked((int)reader.Unsigned());
            long bitCount = checked((long)reader.Unsigned());
            var ranges = new DicomByteRange[rangeCount];
            for (int r = 0; r < rangeCount; r++)
            {
                long offset = previousEnd + reader.Signed();
                long length = checked((long)reader.Unsigned());
                ranges[r] = new DicomByteRange(offset, length);
                previousEnd = offset + length;
            }
            frames[i] = new StoredFrame(i + 1, ranges, bitOffset, bitCount, bigEndian);
        }
        return frames;
    }

    private sealed class VarintWriter
    {
        private readonly MemoryStream _buffer = new();

        public void Byte(byte value) => _buffer.WriteByte(value);

        public void Unsigned(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _buffer.WriteByte((byte)value);
        }

        public void Signed(long value) => Unsigned((ulong)((value << 1) ^ (value >> 63)));

        public byte[] ToArray() => _buffer.ToArray();
    }

    private ref struct VarintReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public byte Byte() => _position < _bytes.Length ? _bytes[_position++] : throw new FormatException("The frame table is truncated.");

        public ulong Unsigned()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return value;
            }
            throw new FormatException("A frame table number is too long.");
        }

        public long Signed()
        {
            ulong raw = Unsigned();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }
    }
}
