using System.Buffers.Binary;
using System.Text;

namespace Pacs.Imaging.Tests.Png;

public class PngEncoderTests
{
    [Fact]
    public void Crc32_of_the_check_string_is_CBF43926()
    {
        // The CRC-32 check value of ISO 3309 / ITU-T V.42 for "123456789".
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xCBF43926u, TestPngReader.BitwiseCrc("123456789"u8));
    }

    [Fact]
    public void Crc32_of_IEND_is_the_well_known_AE426082()
    {
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));
    }

    [Theory]
    [InlineData(PngFilterStrategy.Adaptive)]
    [InlineData(PngFilterStrategy.None)]
    [InlineData(PngFilterStrategy.Sub)]
    [InlineData(PngFilterStrategy.Up)]
    [InlineData(PngFilterStrategy.Average)]
    [InlineData(PngFilterStrategy.Paeth)]
    public void Gray8_png_decodes_to_the_same_pixels_with_valid_chunk_crcs(PngFilterStrategy filter)
    {
        var image = TestImages.Gray(97, 61);
        var png = Encode(image, new PngEncoderOptions { Filter = filter });

        var decoded = TestPngReader.Read(png);
        Assert.Equal((97, 61, 8, 0), (decoded.Width, decoded.Height, decoded.BitDepth, decoded.ColorType));
        Assert.Equal(image.Pixels, decoded.Pixels);
    }

    [Theory]
    [InlineData(PngFilterStrategy.Adaptive)]
    [InlineData(PngFilterStrategy.Sub)]
    [InlineData(PngFilterStrategy.Average)]
    [InlineData(PngFilterStrategy.Paeth)]
    public void Rgb_png_decodes_to_the_same_pixels(PngFilterStrategy filter)
    {
        var image = TestImages.Rgb(50, 33);
        var decoded = TestPngReader.Read(Encode(image, new PngEncoderOptions { Filter = filter }));
        Assert.Equal((50, 33, 8, 2), (decoded.Width, decoded.Height, decoded.BitDepth, decoded.ColorType));
        Assert.Equal(image.Pixels, decoded.Pixels);
    }

    [Fact]
    public void Gray16_png_stores_samples_big_endian()
    {
        var samples = new ushort[40 * 30];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)((i * 977) & 0xFFFF);
        }

        using var stream = new MemoryStream();
        PngEncoder.EncodeGray16(stream, 40, 30, samples);
        var decoded = TestPngReader.Read(stream.ToArray());

        Assert.Equal((16, 0), (decoded.BitDepth, decoded.ColorType));
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], BinaryPrimitives.ReadUInt16BigEndian(decoded.Pixels.AsSpan(i * 2)));
        }
    }

    [Fact]
    public void Large_image_is_written_as_several_IDAT_chunks_of_bounded_size()
    {
        var image = TestImages.Rgb(300, 300, seed: 7);
        var png = Encode(image, new PngEncoderOptions { MaxIdatChunkBytes = 4096, CompressionLevel = System.IO.Compression.CompressionLevel.NoCompression });
        var decoded = TestPngReader.Read(png);

        Assert.True(decoded.ChunkTypes.Count(t => t == "IDAT") > 10);
        Assert.Equal(image.Pixels, decoded.Pixels);
        Assert.All(ChunkLengths(png, "IDAT"), length => Assert.True(length <= 4096));
    }

    [Fact]
    public void One_pixel_image_encodes()
    {
        var image = new RenderedImage(1, 1, RenderedPixelFormat.Gray8, [200]);
        Assert.Equal([200], TestPngReader.Read(Encode(image)).Pixels);
    }

    [Theory]
    [InlineData(10, 20, 15, 15)] // p = 15: |p−a| 5, |p−b| 5, |p−c| 0 → c
    [InlineData(10, 20, 10, 20)] // p = 20 → b
    [InlineData(20, 10, 10, 20)] // p = 20 → a
    [InlineData(50, 50, 50, 50)] // tie → a
    public void Paeth_predictor_picks_the_nearest_neighbour_with_ties_to_a_then_b(byte a, byte b, byte c, byte expected)
    {
        Assert.Equal(expected, PngEncoder.Paeth(a, b, c));
    }

    [Fact]
    public void Adaptive_filtering_makes_a_gradient_smaller_than_no_filtering()
    {
        var image = new RenderedImage(256, 256, RenderedPixelFormat.Gray8);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)((i % 256) + (i / 256));
        }

        var adaptive = Encode(image, new PngEncoderOptions { Filter = PngFilterStrategy.Adaptive }).Length;
        var none = Encode(image, new PngEncoderOptions { Filter = PngFilterStrategy.None }).Length;
        Assert.True(adaptive < none, $"adaptive {adaptive} bytes, none {none} bytes");
    }

    [Fact]
    public void Pillow_decodes_gray_rgb_and_16_bit_pngs_to_the_same_samples()
    {
        var gray = TestImages.Gray(123, 45);
        var pil = PythonImaging.Decode(Encode(gray), "png");
        Assert.Equal(("L", 123, 45, "PNG"), (pil.Mode, pil.Width, pil.Height, pil.Format));
        Assert.Equal(gray.Pixels, pil.Pixels);

        var rgb = TestImages.Rgb(64, 80);
        pil = PythonImaging.Decode(Encode(rgb), "png");
        Assert.Equal(("RGB", 64, 80), (pil.Mode, pil.Width, pil.Height));
        Assert.Equal(rgb.Pixels, pil.Pixels);

        var samples = Enumerable.Range(0, 16 * 8).Select(i => (ushort)(i * 500)).ToArray();
        using var stream = new MemoryStream();
        PngEncoder.EncodeGray16(stream, 16, 8, samples);
        pil = PythonImaging.Decode(stream.ToArray(), "png");
        Assert.Equal(("I;16B", 16, 8), (pil.Mode, pil.Width, pil.Height));
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], BinaryPrimitives.ReadUInt16BigEndian(pil.Pixels.AsSpan(i * 2)));
        }
    }

    [Fact]
    public void Wrong_buffer_length_is_refused_with_the_sizes_named()
    {
        using var stream = new MemoryStream();
        var error = Assert.Throws<ArgumentException>(() => PngEncoder.Encode(stream, 10, 10, PngColorType.Rgb, 8, new byte[100]));
        Assert.Contains("300", error.Message, StringComparison.Ordinal);
    }

    internal static byte[] Encode(RenderedImage image, PngEncoderOptions? options = null)
    {
        using var stream = new MemoryStream();
        PngEncoder.Encode(stream, image, options);
        return stream.ToArray();
    }

    private static IEnumerable<int> ChunkLengths(byte[] png, string type)
    {
        var position = 8;
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            if (Encoding.ASCII.GetString(png, position + 4, 4) == type)
            {
                yield return length;
            }

            position += 12 + length;
        }
    }
}
