using System.Buffers.Binary;

namespace Pacs.Dicom;

/// <summary>
/// RLE Lossless (transfer syntax 1.2.840.10008.1.2.5, PS3.5 Annex G): one frame at a time. A compressed frame
/// is a 64-byte header (segment count and up to 15 segment offsets, PS3.5 G.5) followed by byte segments, each
/// the PackBits run-length code (G.3.1) of one byte of one sample for every pixel: per sample, most significant
/// byte first (G.2). The native side is the frame with little-endian samples, colour interleaved by pixel
/// (Planar Configuration 0) or, when asked, by plane (Planar Configuration 1). Bits Allocated 1 is one segment
/// of the frame's packed bits.
/// </summary>
public static class RleCodec
{
    private const int HeaderLength = 64;
    private const int MaxSegments = 15;

    /// <summary>The size of the native frame <see cref="Decode(ReadOnlySpan{byte}, int, int, int, int, bool)"/> gives.</summary>
    /// <exception cref="DicomException">Rows, Columns, Samples per Pixel or Bits Allocated that RLE cannot hold.</exception>
    public static int DecodedLength(int rows, int columns, int samplesPerPixel, int bitsAllocated) =>
        Layout.Of(rows, columns, samplesPerPixel, bitsAllocated).FrameLength;

    /// <summary>Decodes one compressed frame into a new array of <see cref="DecodedLength"/> bytes.</summary>
    /// <param name="compressedFrame">The frame's compressed bytes (the fragment value, padding included).</param>
    /// <param name="rows">Rows (0028,0010).</param>
    /// <param name="columns">Columns (0028,0011).</param>
    /// <param name="samplesPerPixel">Samples per Pixel (0028,0002).</param>
    /// <param name="bitsAllocated">Bits Allocated (0028,0100): 1, 8, 16, 32 or 64.</param>
    /// <param name="planar">True to lay colour out by plane (Planar Configuration 1) instead of by pixel.</param>
    /// <exception cref="DicomException">The header or a segment is corrupt; the message says which and why.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> compressedFrame, int rows, int columns, int samplesPerPixel, int bitsAllocated, bool planar = false)
    {
        var layout = Layout.Of(rows, columns, samplesPerPixel, bitsAllocated);
        var result = new byte[layout.FrameLength];
        Decode(compressedFrame, result, layout, planar);
        return result;
    }

    /// <summary>Decodes one compressed frame into <paramref name="destination"/>, which must hold <see cref="DecodedLength"/> bytes.</summary>
    /// <exception cref="DicomException">The header or a segment is corrupt.</exception>
    public static void Decode(ReadOnlySpan<byte> compressedFrame, Span<byte> destination, int rows, int columns, int samplesPerPixel, int bitsAllocated, bool planar = false)
    {
        var layout = Layout.Of(rows, columns, samplesPerPixel, bitsAllocated);
        if (destination.Length < layout.FrameLength)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the frame needs {layout.FrameLength}.", nameof(destination));
        }

        Decode(compressedFrame, destination, layout, planar);
    }

    /// <summary>
    /// Encodes one native frame (little-endian samples, interleaved by pixel unless <paramref name="planar"/>). Each row
    /// is coded on its own (PS3.5 G.3.1: runs never cross a row) and each segment padded to an even length.
    /// </summary>
    /// <exception cref="DicomException">Image attributes RLE cannot hold (more than 15 segments, Bits Allocated not 1 or a multiple of 8).</exception>
    public static byte[] Encode(ReadOnlySpan<byte> nativeFrame, int rows, int columns, int samplesPerPixel, int bitsAllocated, bool planar = false)
    {
        var layout = Layout.Of(rows, columns, samplesPerPixel, bitsAllocated);
        var total = layout.FrameLength;
        if (nativeFrame.Length < total)
        {
            throw new ArgumentException($"The frame has {nativeFrame.Length} bytes; {rows} × {columns} × {samplesPerPixel} samples of {bitsAllocated} bits need {total}.", nameof(nativeFrame));
        }

        // Worst case: every row a chain of 128-byte literals (one header byte each), plus padding.
        var rowLength = layout.RowLength;
        var rowsPerSegment = (layout.SegmentLength + rowLength - 1) / rowLength;
        var worst = HeaderLength + (long)layout.FrameLength + ((long)layout.Segments * rowsPerSegment * ((rowLength + 127) / 128)) + layout.Segments;
        using var output = new MemoryStream((int)Math.Min(worst, Array.MaxLength));
        output.Write(new byte[HeaderLength]);

        var header = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)layout.Segments);
        var segment = new byte[layout.SegmentLength];
        for (var j = 0; j < layout.Segments; j++)
        {
            if (output.Position > uint.MaxValue)
            {
                throw new DicomException($"The RLE frame grows past 4 GiB, beyond what the 32-bit segment offsets of PS3.5 G.5 can address.");
            }

            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4 + (j * 4)), (uint)output.Position);
            var (start, stride) = layout.Placement(j, planar);
            Gather(nativeFrame, segment, start, stride);
            for (var row = 0; row < segment.Length; row += rowLength)
            {
                EncodeRow(segment.AsSpan(row, Math.Min(rowLength, segment.Length - row)), output);
            }

            if ((output.Position & 1) == 1)
            {
                // PS3.5 G.4: a segment of odd length is padded with one byte.
                output.WriteByte(0);
            }
        }

        output.Position = 0;
        output.Write(header);
        return output.ToArray();
    }

    private static void Decode(ReadOnlySpan<byte> data, Span<byte> destination, Layout layout, bool planar)
    {
        if (data.Length < HeaderLength)
        {
            throw new DicomException($"The RLE frame has {data.Length} bytes, fewer than its 64-byte header (PS3.5 G.5).");
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (count != layout.Segments)
        {
            throw new DicomException(
                $"The RLE header announces {count} segments, but {layout.Samples} sample(s) of {layout.BitsAllocated} bits need {layout.Segments} (PS3.5 G.2).");
        }

        var offsets = new long[layout.Segments + 1];
        for (var j = 0; j < layout.Segments; j++)
        {
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(data[(4 + (j * 4))..]);
            if (offset < HeaderLength || offset > data.Length)
            {
                throw new DicomException($"RLE segment {j + 1} starts at offset {offset}, outside the {data.Length}-byte frame after its 64-byte header (PS3.5 G.5).");
            }

            if (j > 0 && offset < offsets[j - 1])
            {
                throw new DicomException($"RLE segment {j + 1} starts at offset {offset}, before segment {j} at {offsets[j - 1]}; segments follow each other (PS3.5 G.5).");
            }

            offsets[j] = offset;
        }

        offsets[layout.Segments] = data.Length;
        for (var j = 0; j < layout.Segments; j++)
        {
            var (start, stride) = layout.Placement(j, planar);
            DecodeSegment(data[(int)offsets[j]..(int)offsets[j + 1]], destination, start, stride, layout.SegmentLength, j);
        }
    }

    /// <summary>PS3.5 G.3.1 PackBits: n in 0..127 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 does nothing.</summary>
    private static void DecodeSegment(ReadOnlySpan<byte> source, Span<byte> destination, int start, int stride, int count, int segmentIndex)
    {
        var produced = 0;
        var i = 0;
        var at = start;
        while (produced < count)
        {
            if (i >= source.Length)
            {
                throw new DicomException($"RLE segment {segmentIndex + 1} ends after {produced} of its {count} bytes (PS3.5 G.3).");
            }

            var header = (sbyte)source[i++];
            if (header >= 0)
            {
                var literal = header + 1;

                // A run past the segment's end is cut there: the bytes after a full segment are padding.
                var use = Math.Min(literal, count - produced);
                if (source.Length - i < use)
                {
                    throw new DicomException($"RLE segment {segmentIndex + 1} has a literal run of {literal} bytes at offset {i - 1} with only {source.Length - i} bytes left (PS3.5 G.3.1).");
                }

                if (stride == 1)
                {
                    source.Slice(i, use).CopyTo(destination.Slice(at, use));
                    at += use;
                }
                else
                {
                    for (var k = 0; k < use; k++, at += stride)
                    {
                        destination[at] = source[i + k];
                    }
                }

                i += literal;
                produced += use;
            }
            else if (header != -128)
            {
                if (i >= source.Length)
                {
                    throw new DicomException($"RLE segment {segmentIndex + 1} ends inside a replicate run at offset {i - 1} (PS3.5 G.3.1).");
                }

                var value = source[i++];
                var use = Math.Min(1 - header, count - produced);
                if (stride == 1)
                {
                    destination.Slice(at, use).Fill(value);
                    at += use;
                }
                else
                {
                    for (var k = 0; k < use; k++, at += stride)
                    {
                        destination[at] = value;
                    }
                }

                produced += use;
            }
        }
    }

    private static void Gather(ReadOnlySpan<byte> frame, Span<byte> segment, int start, int stride)
    {
        if (stride == 1)
        {
            frame.Slice(start, segment.Length).CopyTo(segment);
            return;
        }

        for (int k = 0, at = start; k < segment.Length; k++, at += stride)
        {
            segment[k] = frame[at];
        }
    }

    /// <summary>PackBits one row: replicate runs of 2 to 128 equal bytes, literal runs of up to 128 bytes between them.</summary>
    private static void EncodeRow(ReadOnlySpan<byte> row, MemoryStream output)
    {
        var i = 0;
        while (i < row.Length)
        {
            var run = RunLength(row, i);
            if (run >= 2)
            {
                output.WriteByte((byte)(1 - run));
                output.WriteByte(row[i]);
                i += run;
                continue;
            }

            // A literal ends where three equal bytes begin (a replicate run then saves bytes), at 128 bytes, or at the row's end.
            var end = i + 1;
            while (end < row.Length && end - i < 128 && !(end + 2 < row.Length && row[end] == row[end + 1] && row[end] == row[end + 2]))
            {
                end++;
            }

            output.WriteByte((byte)(end - i - 1));
            output.Write(row[i..end]);
            i = end;
        }
    }

    private static int RunLength(ReadOnlySpan<byte> row, int i)
    {
        var run = 1;
        while (i + run < row.Length && run < 128 && row[i + run] == row[i])
        {
            run++;
        }

        return run;
    }

    /// <summary>How a frame's bytes map to segments.</summary>
    private readonly record struct Layout(int Samples, int BitsAllocated, int BytesPerSample, int Segments, int SegmentLength, int RowLength)
    {
        public static Layout Of(int rows, int columns, int samplesPerPixel, int bitsAllocated)
        {
            if (rows <= 0 || columns <= 0 || samplesPerPixel <= 0)
            {
                throw new DicomException($"RLE needs positive Rows, Columns and Samples per Pixel; got {rows}, {columns} and {samplesPerPixel}.");
            }

            var pixels = (long)rows * columns;
            if (bitsAllocated == 1)
            {
                if (samplesPerPixel != 1)
                {
                    throw new DicomException($"RLE of Bits Allocated 1 holds one sample per pixel, not {samplesPerPixel}.");
                }

                // Packed bits (PS3.5 8.1.1) are one segment of bytes; rows do not fall on byte boundaries, so the
                // whole segment is coded as one run of rows.
                var packed = (pixels + 7) / 8;
                CheckSize(packed);
                return new Layout(1, 1, 1, 1, (int)packed, (int)packed);
            }

            if (bitsAllocated <= 0 || bitsAllocated % 8 != 0)
            {
                throw new DicomException($"RLE codes Bits Allocated 1 or a multiple of 8, not {bitsAllocated} (PS3.5 G.2).");
            }

            var bytes = bitsAllocated / 8;
            var segments = (long)samplesPerPixel * bytes;
            if (segments > MaxSegments)
            {
                throw new DicomException($"{samplesPerPixel} sample(s) of {bitsAllocated} bits need {segments} RLE segments; the header holds at most 15 (PS3.5 G.5).");
            }

            CheckSize(pixels * segments);

            // The frame size is known before anything is decoded, so corrupt input never makes it allocate more.
            return new Layout(samplesPerPixel, bitsAllocated, bytes, (int)segments, (int)pixels, columns);
        }

        public int FrameLength => SegmentLength * Segments;

        /// <summary>
        /// Where segment <paramref name="j"/>'s bytes go in the native frame: PS3.5 G.2 orders segments by sample, most
        /// significant byte first; little-endian samples put that byte last.
        /// </summary>
        public (int Start, int Stride) Placement(int j, bool planar)
        {
            var sample = j / BytesPerSample;
            var byteInSample = BytesPerSample - 1 - (j % BytesPerSample);
            return planar
                ? ((sample * SegmentLength * BytesPerSample) + byteInSample, BytesPerSample)
                : ((sample * BytesPerSample) + byteInSample, Samples * BytesPerSample);
        }

        private static void CheckSize(long bytes)
        {
            if (bytes > Array.MaxLength)
            {
                throw new DicomException($"An RLE frame of {bytes} bytes is larger than this library decodes in one piece.");
            }
        }
    }
}
