using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Pacs.Imaging.Tests;

/// <summary>
/// A small, independent PNG reader for tests: checks the signature and every chunk's CRC (computed bit by bit, not
/// with the library's table), inflates the IDAT stream and undoes the five filters.
/// </summary>
public sealed class TestPngReader
{
    public int Width { get; private set; }

    public int Height { get; private set; }

    public int BitDepth { get; private set; }

    public int ColorType { get; private set; }

    public List<string> ChunkTypes { get; } = [];

    /// <summary>Raw samples, rows without filter bytes (16-bit samples big-endian as stored).</summary>
    public byte[] Pixels { get; private set; } = [];

    public static TestPngReader Read(byte[] png)
    {
        var reader = new TestPngReader();
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.Equal(signature, png[..8]);
        var position = 8;
        using var idat = new MemoryStream();
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var data = png.AsSpan(position + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.True(BitwiseCrc(png.AsSpan(position + 4, length + 4)) == crc, $"CRC of chunk {type} at {position} is wrong.");
            reader.ChunkTypes.Add(type);
            switch (type)
            {
                case "IHDR":
                    reader.Width = BinaryPrimitives.ReadInt32BigEndian(data);
                    reader.Height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    reader.BitDepth = data[8];
                    reader.ColorType = data[9];
                    Assert.Equal(0, data[10]);
                    Assert.Equal(0, data[11]);
                    Assert.Equal(0, data[12]);
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            position += 12 + length;
        }

        Assert.Equal("IHDR", reader.ChunkTypes[0]);
        Assert.Equal("IEND", reader.ChunkTypes[^1]);
        var channels = reader.ColorType == 2 ? 3 : 1;
        var bpp = channels * reader.BitDepth / 8;
        var rowBytes = reader.Width * bpp;
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        Assert.Equal((rowBytes + 1) * reader.Height, raw.Length);
        var pixels = new byte[rowBytes * reader.Height];
        for (var y = 0; y < reader.Height; y++)
        {
            var filter = raw[y * (rowBytes + 1)];
            for (var i = 0; i < rowBytes; i++)
            {
                int x = raw[(y * (rowBytes + 1)) + 1 + i];
                int a = i >= bpp ? pixels[(y * rowBytes) + i - bpp] : 0;
                int b = y > 0 ? pixels[((y - 1) * rowBytes) + i] : 0;
                int c = i >= bpp && y > 0 ? pixels[((y - 1) * rowBytes) + i - bpp] : 0;
                var predicted = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => PaethReference(a, b, c),
                    _ => throw new InvalidDataException($"Filter type {filter} on row {y}."),
                };
                pixels[(y * rowBytes) + i] = (byte)(x + predicted);
            }
        }

        reader.Pixels = pixels;
        return reader;
    }

    /// <summary>CRC-32 (reflected 0xEDB88320) one bit at a time, to check the library's table-driven one.</summary>
    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static int PaethReference(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
