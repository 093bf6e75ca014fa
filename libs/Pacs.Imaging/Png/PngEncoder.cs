using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>PNG colour types this encoder writes (PNG spec 11.2.2, IHDR).</summary>
public enum PngColorType : byte
{
    Grayscale = 0,
    Rgb = 2,
}

/// <summary>How each row's filter type is chosen (PNG spec 9: filter method 0).</summary>
public enum PngFilterStrategy
{
    /// <summary>Per row, the filter whose output has the smallest sum of absolute values taken as signed bytes (PNG spec 12.8).</summary>
    Adaptive,
    None,
    Sub,
    Up,
    Average,
    Paeth,
}

/// <summary>Knobs of <see cref="PngEncoder"/>; the defaults favour speed, which suits rendered previews.</summary>
public sealed record PngEncoderOptions
{
    public static PngEncoderOptions Default { get; } = new();

    /// <summary>zlib effort. Default <see cref="CompressionLevel.Fastest"/>: previews are made on request, time matters more than bytes.</summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    public PngFilterStrategy Filter { get; init; } = PngFilterStrategy.Adaptive;

    /// <summary>Largest IDAT chunk written, in bytes of compressed data. Default 64 KiB.</summary>
    public int MaxIdatChunkBytes { get; init; } = 64 * 1024;
}

/// <summary>
/// Writes non-interlaced PNG (ISO/IEC 15948) images, 8-bit grey, 8-bit RGB and 16-bit grey, straight to a stream:
/// rows are filtered one at a time and deflated through <see cref="ZLibStream"/> into IDAT chunks of bounded size,
/// so memory stays at a few rows plus one chunk whatever the image size.
/// </summary>
public static class PngEncoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes a rendered 8-bit grey or RGB image.</summary>
    public static void Encode(Stream output, RenderedImage image, PngEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var colorType = image.Format == RenderedPixelFormat.Rgb24 ? PngColorType.Rgb : PngColorType.Grayscale;
        Encode(output, image.Width, image.Height, colorType, 8, image.Pixels, options);
    }

    /// <summary>Encodes 16-bit grey samples (native <see cref="ushort"/> values; PNG stores them big-endian).</summary>
    public static void EncodeGray16(Stream output, int width, int height, ReadOnlySpan<ushort> samples, PngEncoderOptions? options = null)
    {
        if (samples.Length != (long)width * height)
        {
            throw new ArgumentException($"A {width}×{height} image needs {(long)width * height} samples, not {samples.Length}.", nameof(samples));
        }

        var rowBytes = width * 2;
        var bigEndian = ArrayPool<byte>.Shared.Rent(rowBytes * height);
        try
        {
            for (var i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bigEndian.AsSpan(i * 2), samples[i]);
            }

            Encode(output, width, height, PngColorType.Grayscale, 16, bigEndian.AsSpan(0, rowBytes * height), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bigEndian);
        }
    }

    /// <summary>
    /// Encodes raw samples laid out as PNG orders them: rows top to bottom, no padding, 16-bit samples big-endian.
    /// </summary>
    public static void Encode(Stream output, int width, int height, PngColorType colorType, int bitDepth, ReadOnlySpan<byte> pixels, PngEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= PngEncoderOptions.Default;
        // PNG spec 11.2.2: width and height are 1 .. 2^31-1.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (bitDepth is not (8 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(bitDepth), bitDepth, "Only 8 and 16 bits per sample are written.");
        }

        var channels = colorType == PngColorType.Rgb ? 3 : 1;
        var bytesPerPixel = channels * bitDepth / 8;
        var rowBytes = checked(width * bytesPerPixel);
        if (pixels.Length != (long)rowBytes * height)
        {
            throw new ArgumentException($"A {width}×{height} {colorType} {bitDepth}-bit image needs {(long)rowBytes * height} bytes, not {pixels.Length}.", nameof(pixels));
        }

        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colorType;
        header[10] = 0; // compression method 0: deflate
        header[11] = 0; // filter method 0: the five adaptive filters
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);

        // Five candidate rows (one per filter type) plus the filter byte each; the previous raw row for Up/Average/Paeth.
        var scratch = ArrayPool<byte>.Shared.Rent((rowBytes + 1) * 5);
        var zeroRow = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            Array.Clear(zeroRow, 0, rowBytes);
            using (var idat = new IdatChunkStream(output, options.MaxIdatChunkBytes))
            {
                using (var zlib = new ZLibStream(idat, options.CompressionLevel, leaveOpen: true))
                {
                    ReadOnlySpan<byte> previous = zeroRow.AsSpan(0, rowBytes);
                    for (var y = 0; y < height; y++)
                    {
                        var row = pixels.Slice(y * rowBytes, rowBytes);
                        var filtered = FilterRow(row, previous, bytesPerPixel, options.Filter, scratch.AsSpan(0, (rowBytes + 1) * 5));
                        zlib.Write(filtered);
                        previous = row;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            ArrayPool<byte>.Shared.Return(zeroRow);
        }

        WriteChunk(output, "IEND"u8, []);
    }

    /// <summary>Writes one chunk: length, type, data, CRC of type and data (PNG spec 5.3).</summary>
    internal static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = Crc32.Finish(Crc32.Update(Crc32.Update(Crc32.Start, type), data));
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    /// <summary>Returns the filter byte followed by the filtered row, chosen per <paramref name="strategy"/>.</summary>
    private static ReadOnlySpan<byte> FilterRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, PngFilterStrategy strategy, Span<byte> scratch)
    {
        var n = row.Length + 1;
        if (strategy != PngFilterStrategy.Adaptive)
        {
            var only = scratch[..n];
            var type = strategy switch
            {
                PngFilterStrategy.None => 0,
                PngFilterStrategy.Sub => 1,
                PngFilterStrategy.Up => 2,
                PngFilterStrategy.Average => 3,
                _ => 4,
            };
            ApplyFilter(type, row, previous, bpp, only);
            return only;
        }

        var best = 0;
        var bestCost = long.MaxValue;
        for (var type = 0; type < 5; type++)
        {
            var candidate = scratch.Slice(type * n, n);
            ApplyFilter(type, row, previous, bpp, candidate);
            var cost = PngFilters.Cost(candidate[1..]);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = type;
            }
        }

        return scratch.Slice(best * n, n);
    }

    /// <summary>PNG spec 9.2: the filter of <paramref name="type"/> into <paramref name="destination"/>, filter byte first.</summary>
    private static void ApplyFilter(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> destination)
    {
        destination[0] = (byte)type;
        PngFilters.Apply(type, row, previous, bpp, destination[1..]);
    }

    /// <summary>PNG spec 9.4: the neighbour closest to a + b - c, ties going to a, then b.</summary>
    internal static byte Paeth(byte a, byte b, byte c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }

    /// <summary>Collects zlib output and writes it as IDAT chunks of at most the configured size.</summary>
    private sealed class IdatChunkStream : WriteOnlyStream
    {
        private readonly Stream _output;
        private readonly byte[] _buffer;
        private int _count;

        public IdatChunkStream(Stream output, int chunkBytes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 256);
            _output = output;
            _buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
            Capacity = chunkBytes;
        }

        private int Capacity { get; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, Capacity - _count);
                buffer[..take].CopyTo(_buffer.AsSpan(_count));
                _count += take;
                buffer = buffer[take..];
                if (_count == Capacity)
                {
                    EmitChunk();
                }
            }
        }

        // zlib's flushes do not force a chunk out: chunks are cut by size only, and the rest goes at Dispose.
        public override void Flush()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (_count > 0)
                {
                    EmitChunk();
                }

                ArrayPool<byte>.Shared.Return(_buffer);
            }

            base.Dispose(disposing);
        }

        private void EmitChunk()
        {
            WriteChunk(_output, "IDAT"u8, _buffer.AsSpan(0, _count));
            _count = 0;
        }
    }
}
