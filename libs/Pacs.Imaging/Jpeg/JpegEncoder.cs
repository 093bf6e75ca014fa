using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace Pacs.Imaging;

/// <summary>How colour images sample their chrominance (T.81 A.1.1; JFIF's usual choices).</summary>
public enum JpegChromaSubsampling
{
    /// <summary>Cb and Cr at half width and half height (H=2, V=2 for Y): the common, smaller choice.</summary>
    Ratio420,

    /// <summary>Cb and Cr at full resolution.</summary>
    Ratio444,
}

/// <summary>Knobs of <see cref="JpegEncoder"/>.</summary>
public sealed record JpegEncoderOptions
{
    public static JpegEncoderOptions Default { get; } = new();

    /// <summary>1 (smallest) to 100 (best); scales the Annex K tables. Default 90.</summary>
    public int Quality { get; init; } = 90;

    public JpegChromaSubsampling ChromaSubsampling { get; init; } = JpegChromaSubsampling.Ratio420;

    /// <summary>MCUs between restart markers (T.81 B.2.4.4 DRI); 0, the default, writes none.</summary>
    public int RestartIntervalMcus { get; init; }
}

/// <summary>
/// A baseline sequential DCT JPEG encoder (ITU-T T.81, process 1: 8-bit samples, Huffman coding) writing JFIF files:
/// 8-bit greyscale as one component, RGB as YCbCr (JFIF 1.02 conversion) with 4:2:0 or 4:4:4 chrominance, the
/// Annex K quantisation tables scaled by quality and the Annex K Huffman tables. Works one MCU row at a time, so
/// memory is a strip of 16 rows whatever the image height.
/// </summary>
public static class JpegEncoder
{
    private const byte Soi = 0xD8, Eoi = 0xD9, App0 = 0xE0, Dqt = 0xDB, Sof0 = 0xC0, Dht = 0xC4, Dri = 0xDD, Sos = 0xDA, Rst0 = 0xD0;

    /// <summary>Encodes a rendered 8-bit grey or RGB image.</summary>
    public static void Encode(Stream output, RenderedImage image, JpegEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        Encode(output, image.Width, image.Height, image.BytesPerPixel, image.Pixels, options);
    }

    /// <summary>Encodes <paramref name="components"/> = 1 (grey) or 3 (RGB, interleaved) 8-bit samples, rows without padding.</summary>
    public static void Encode(Stream output, int width, int height, int components, ReadOnlySpan<byte> pixels, JpegEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= JpegEncoderOptions.Default;
        // T.81 B.2.2: X and Y are 16-bit; Y = 0 would announce a DNL segment, which this encoder does not write.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 65535);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 65535);
        if (components is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(components), components, "Only 1 (grey) or 3 (RGB) components are encoded.");
        }

        if (pixels.Length != (long)width * height * components)
        {
            throw new ArgumentException($"A {width}×{height} image of {components} components needs {(long)width * height * components} bytes, not {pixels.Length}.", nameof(pixels));
        }

        if (options.Quality is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Quality, "JPEG quality is 1 to 100.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.RestartIntervalMcus);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.RestartIntervalMcus, 65535);

        var color = components == 3;
        var subsample = color && options.ChromaSubsampling == JpegChromaSubsampling.Ratio420;
        var luma = JpegTables.ScaledQuantization(JpegTables.LuminanceQuantization, options.Quality);
        var chroma = JpegTables.ScaledQuantization(JpegTables.ChrominanceQuantization, options.Quality);

        WriteHeaders(output, width, height, color, subsample, luma, chroma, options.RestartIntervalMcus);

        var lumaReciprocals = JpegForwardDct.Reciprocals(luma);
        var chromaReciprocals = JpegForwardDct.Reciprocals(chroma);
        var scan = new ScanEncoder(output, options.RestartIntervalMcus);
        try
        {
            if (!color)
            {
                scan.EncodeGray(width, height, pixels, lumaReciprocals);
            }
            else
            {
                scan.EncodeColor(width, height, pixels, subsample, lumaReciprocals, chromaReciprocals);
            }
        }
        finally
        {
            scan.Dispose();
        }

        Span<byte> end = [0xFF, Eoi];
        output.Write(end);
    }

    private static void WriteHeaders(Stream output, int width, int height, bool color, bool subsample, byte[] luma, byte[] chroma, int restartInterval)
    {
        var header = new ArrayBufferWriter<byte>(1024);
        PutMarker(header, Soi);

        // JFIF APP0: identifier, version 1.02, no density units, 1:1 aspect, no embedded thumbnail.
        PutSegment(header, App0, [[(byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 2, 0, 0, 1, 0, 1, 0, 0]]);

        // B.2.4.1 DQT: Pq = 0 (8-bit), Tq = 0 luminance, 1 chrominance; entries in zig-zag order.
        var dqt = new byte[color ? 130 : 65];
        WriteQuantization(dqt.AsSpan(0, 65), 0, luma);
        if (color)
        {
            WriteQuantization(dqt.AsSpan(65, 65), 1, chroma);
        }

        PutSegment(header, Dqt, [dqt]);

        // B.2.2 SOF0: precision 8, lines, samples per line, then per component id, H<<4|V, Tq.
        var sof = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)(color ? 3 : 1) };
        sof.AddRange([1, (byte)(subsample ? 0x22 : 0x11), 0]);
        if (color)
        {
            sof.AddRange([2, 0x11, 1, 3, 0x11, 1]);
        }

        PutSegment(header, Sof0, [sof.ToArray()]);

        // B.2.4.2 DHT: Tc<<4|Th, BITS, HUFFVAL for each table.
        var dht = new List<byte>();
        AddHuffman(dht, 0x00, JpegHuffmanTable.DcLuminance);
        AddHuffman(dht, 0x10, JpegHuffmanTable.AcLuminance);
        if (color)
        {
            AddHuffman(dht, 0x01, JpegHuffmanTable.DcChrominance);
            AddHuffman(dht, 0x11, JpegHuffmanTable.AcChrominance);
        }

        PutSegment(header, Dht, [dht.ToArray()]);

        if (restartInterval > 0)
        {
            PutSegment(header, Dri, [[(byte)(restartInterval >> 8), (byte)restartInterval]]);
        }

        // B.2.3 SOS: components with Td<<4|Ta, then Ss = 0, Se = 63, Ah = Al = 0 for sequential DCT.
        byte[] sos = color ? [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0] : [1, 1, 0x00, 0, 63, 0];
        PutSegment(header, Sos, [sos]);
        output.Write(header.WrittenSpan);
    }

    private static void WriteQuantization(Span<byte> destination, int tableId, byte[] natural)
    {
        destination[0] = (byte)tableId;
        for (var k = 0; k < 64; k++)
        {
            destination[1 + k] = natural[JpegTables.ZigzagToNatural[k]];
        }
    }

    private static void AddHuffman(List<byte> segment, byte classAndId, JpegHuffmanTable table)
    {
        segment.Add(classAndId);
        segment.AddRange(table.Bits);
        segment.AddRange(table.Values);
    }

    private static void PutMarker(ArrayBufferWriter<byte> writer, byte code)
    {
        var span = writer.GetSpan(2);
        span[0] = 0xFF;
        span[1] = code;
        writer.Advance(2);
    }

    /// <summary>A marker segment: marker, length (which counts itself but not the marker), then the parts.</summary>
    private static void PutSegment(ArrayBufferWriter<byte> writer, byte code, ReadOnlySpan<byte[]> parts)
    {
        PutMarker(writer, code);
        var length = 2;
        foreach (var part in parts)
        {
            length += part.Length;
        }

        var span = writer.GetSpan(2);
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)length));
        writer.Advance(2);
        foreach (var part in parts)
        {
            writer.Write(part);
        }
    }

    /// <summary>The entropy-coded segment: strips of samples, blocks, DCT, Huffman codes, restart markers.</summary>
    private sealed class ScanEncoder : IDisposable
    {
        private readonly JpegBitWriter _bits;
        private readonly int _restartInterval;
        private readonly int[] _coefficients = new int[64];
        private readonly int[] _previousDc = new int[3];
        private int _mcuCount;
        private int _restartIndex;

        public ScanEncoder(Stream output, int restartInterval)
        {
            _bits = new JpegBitWriter(output);
            _restartInterval = restartInterval;
        }

        public void Dispose()
        {
            _bits.Flush();
            _bits.Dispose();
        }

        public void EncodeGray(int width, int height, ReadOnlySpan<byte> pixels, Vector256<float>[] reciprocals)
        {
            var mcusAcross = (width + 7) / 8;
            var stride = mcusAcross * 8;
            var plane = ArrayPool<float>.Shared.Rent(stride * 8);
            try
            {
                for (var mcuRow = 0; mcuRow * 8 < height; mcuRow++)
                {
                    for (var r = 0; r < 8; r++)
                    {
                        // Below the last line and right of the last column the edge sample repeats (T.81 A.2.4 leaves it free).
                        var source = pixels.Slice(Math.Min((mcuRow * 8) + r, height - 1) * width, width);
                        var target = plane.AsSpan(r * stride, stride);
                        for (var x = 0; x < width; x++)
                        {
                            target[x] = source[x] - 128f;
                        }

                        target[width..].Fill(target[width - 1]);
                    }

                    for (var mcu = 0; mcu < mcusAcross; mcu++)
                    {
                        BeginMcu(1);
                        EncodeBlock(plane, stride, mcu * 8, reciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(plane);
            }
        }

        public void EncodeColor(int width, int height, ReadOnlySpan<byte> pixels, bool subsample, Vector256<float>[] lumaReciprocals, Vector256<float>[] chromaReciprocals)
        {
            var mcuSize = subsample ? 16 : 8;
            var mcusAcross = (width + mcuSize - 1) / mcuSize;
            var stride = mcusAcross * mcuSize;
            var chromaStride = subsample ? stride / 2 : stride;
            var yPlane = ArrayPool<float>.Shared.Rent(stride * mcuSize);
            var cbPlane = ArrayPool<float>.Shared.Rent(stride * mcuSize);
            var crPlane = ArrayPool<float>.Shared.Rent(stride * mcuSize);
            var cbSmall = ArrayPool<float>.Shared.Rent(chromaStride * 8);
            var crSmall = ArrayPool<float>.Shared.Rent(chromaStride * 8);
            try
            {
                for (var mcuRow = 0; mcuRow * mcuSize < height; mcuRow++)
                {
                    for (var r = 0; r < mcuSize; r++)
                    {
                        var source = pixels.Slice(Math.Min((mcuRow * mcuSize) + r, height - 1) * width * 3, width * 3);
                        var yRow = yPlane.AsSpan(r * stride, stride);
                        var cbRow = cbPlane.AsSpan(r * stride, stride);
                        var crRow = crPlane.AsSpan(r * stride, stride);
                        for (var x = 0; x < width; x++)
                        {
                            float red = source[x * 3], green = source[(x * 3) + 1], blue = source[(x * 3) + 2];

                            // JFIF 1.02 section 7: full-range YCbCr; Y level shifted by -128 here, Cb and Cr centred on 0.
                            yRow[x] = (0.299f * red) + (0.587f * green) + (0.114f * blue) - 128f;
                            cbRow[x] = (-0.168736f * red) - (0.331264f * green) + (0.5f * blue);
                            crRow[x] = (0.5f * red) - (0.418688f * green) - (0.081312f * blue);
                        }

                        yRow[width..].Fill(yRow[width - 1]);
                        cbRow[width..].Fill(cbRow[width - 1]);
                        crRow[width..].Fill(crRow[width - 1]);
                    }

                    float[] cb = cbPlane, cr = crPlane;
                    if (subsample)
                    {
                        // 4:2:0: each chroma sample is the mean of a 2×2 square, centred between the luma samples as JFIF places it.
                        Downsample(cbPlane, stride, cbSmall, chromaStride);
                        Downsample(crPlane, stride, crSmall, chromaStride);
                        cb = cbSmall;
                        cr = crSmall;
                    }

                    for (var mcu = 0; mcu < mcusAcross; mcu++)
                    {
                        BeginMcu(3);
                        var x0 = mcu * mcuSize;
                        if (subsample)
                        {
                            // A.2.3: the four Y blocks of an MCU go left to right, top to bottom.
                            EncodeBlock(yPlane, stride, x0, lumaReciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                            EncodeBlock(yPlane, stride, x0 + 8, lumaReciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                            EncodeBlock(yPlane, stride, (8 * stride) + x0, lumaReciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                            EncodeBlock(yPlane, stride, (8 * stride) + x0 + 8, lumaReciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                            EncodeBlock(cb, chromaStride, mcu * 8, chromaReciprocals, 1, JpegHuffmanTable.DcChrominance, JpegHuffmanTable.AcChrominance);
                            EncodeBlock(cr, chromaStride, mcu * 8, chromaReciprocals, 2, JpegHuffmanTable.DcChrominance, JpegHuffmanTable.AcChrominance);
                        }
                        else
                        {
                            EncodeBlock(yPlane, stride, x0, lumaReciprocals, 0, JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance);
                            EncodeBlock(cb, stride, x0, chromaReciprocals, 1, JpegHuffmanTable.DcChrominance, JpegHuffmanTable.AcChrominance);
                            EncodeBlock(cr, stride, x0, chromaReciprocals, 2, JpegHuffmanTable.DcChrominance, JpegHuffmanTable.AcChrominance);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(yPlane);
                ArrayPool<float>.Shared.Return(cbPlane);
                ArrayPool<float>.Shared.Return(crPlane);
                ArrayPool<float>.Shared.Return(cbSmall);
                ArrayPool<float>.Shared.Return(crSmall);
            }
        }

        private static void Downsample(float[] full, int stride, float[] half, int halfStride)
        {
            for (var r = 0; r < 8; r++)
            {
                var top = full.AsSpan(2 * r * stride, stride);
                var bottom = full.AsSpan(((2 * r) + 1) * stride, stride);
                var target = half.AsSpan(r * halfStride, halfStride);
                for (var x = 0; x < halfStride; x++)
                {
                    target[x] = (top[2 * x] + top[(2 * x) + 1] + bottom[2 * x] + bottom[(2 * x) + 1]) * 0.25f;
                }
            }
        }

        /// <summary>Before each MCU: a restart marker when the interval is reached (B.2.1), which also resets DC prediction (F.1.2.1).</summary>
        private void BeginMcu(int components)
        {
            if (_restartInterval > 0 && _mcuCount > 0 && _mcuCount % _restartInterval == 0)
            {
                _bits.WriteMarker((byte)(Rst0 + (_restartIndex & 7)));
                _restartIndex++;
                Array.Clear(_previousDc, 0, components);
            }

            _mcuCount++;
        }

        private void EncodeBlock(float[] plane, int stride, int offset, Vector256<float>[] reciprocals, int component, JpegHuffmanTable dc, JpegHuffmanTable ac)
        {
            var zz = _coefficients;
            JpegForwardDct.TransformAndQuantize(plane, stride, offset, reciprocals, zz);

            // F.1.2.1: the DC difference as a category (SSSS) code followed by SSSS extra bits.
            var diff = zz[0] - _previousDc[component];
            _previousDc[component] = zz[0];
            WriteValue(0, diff, dc);

            // F.1.2.2: runs of zeros with the next non-zero coefficient; ZRL (F0) for each 16 zeros; EOB when the rest is zero.
            var run = 0;
            for (var k = 1; k < 64; k++)
            {
                var value = zz[k];
                if (value == 0)
                {
                    run++;
                    continue;
                }

                while (run > 15)
                {
                    _bits.WriteBits(ac.Codes[0xF0], ac.Lengths[0xF0]);
                    run -= 16;
                }

                WriteValue(run, value, ac);
                run = 0;
            }

            if (run > 0)
            {
                _bits.WriteBits(ac.Codes[0x00], ac.Lengths[0x00]);
            }
        }

        /// <summary>The code of (run, size) and then the size low bits of the value, negative values as value − 1 (F.1.2.1.1).</summary>
        private void WriteValue(int run, int value, JpegHuffmanTable table)
        {
            var magnitude = value < 0 ? -value : value;
            var size = magnitude == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude);
            var symbol = (run << 4) | size;
            _bits.WriteBits(table.Codes[symbol], table.Lengths[symbol]);
            if (size > 0)
            {
                _bits.WriteBits((uint)(value < 0 ? value - 1 : value), size);
            }
        }
    }
}
