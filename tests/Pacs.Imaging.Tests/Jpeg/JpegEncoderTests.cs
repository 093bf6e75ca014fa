using System.Runtime.Intrinsics;

namespace Pacs.Imaging.Tests.Jpeg;

public class JpegEncoderTests
{
    [Fact]
    public void Annex_K_AC_tables_code_every_run_size_symbol_exactly_once()
    {
        // T.81 F.1.2.2: the AC symbols are EOB (0x00), ZRL (0xF0) and RRRR/SSSS for runs 0..15 and sizes 1..10.
        var expected = new HashSet<byte> { 0x00, 0xF0 };
        for (var run = 0; run < 16; run++)
        {
            for (var size = 1; size <= 10; size++)
            {
                expected.Add((byte)((run << 4) | size));
            }
        }

        foreach (var table in new[] { JpegHuffmanTable.AcLuminance, JpegHuffmanTable.AcChrominance })
        {
            Assert.Equal(162, table.Values.Length);
            Assert.Equal(162, table.Bits.Sum(b => b));
            Assert.True(expected.SetEquals(table.Values));
            Assert.All(expected, symbol => Assert.InRange(table.Lengths[symbol], 1, 16));
        }

        Assert.All(Enumerable.Range(0, 12), s => Assert.InRange(JpegHuffmanTable.DcLuminance.Lengths[s], 2, 9));
        Assert.All(Enumerable.Range(0, 12), s => Assert.InRange(JpegHuffmanTable.DcChrominance.Lengths[s], 2, 11));
    }

    [Fact]
    public void Huffman_codes_are_a_prefix_code()
    {
        foreach (var table in new[] { JpegHuffmanTable.DcLuminance, JpegHuffmanTable.AcLuminance, JpegHuffmanTable.DcChrominance, JpegHuffmanTable.AcChrominance })
        {
            var codes = table.Values.Select(v => (Code: (int)table.Codes[v], Length: (int)table.Lengths[v])).ToList();
            foreach (var a in codes)
            {
                foreach (var b in codes.Where(b => b != a && b.Length >= a.Length))
                {
                    Assert.NotEqual(a.Code, b.Code >> (b.Length - a.Length));
                }

                // F.1.2: no code is all ones.
                Assert.NotEqual((1 << a.Length) - 1, a.Code);
            }
        }
    }

    [Fact]
    public void Zigzag_order_starts_as_Figure_5_and_is_a_permutation()
    {
        Assert.Equal([0, 1, 8, 16, 9, 2, 3, 10, 17, 24], JpegTables.ZigzagToNatural[..10]);
        Assert.Equal([61, 54, 47, 55, 62, 63], JpegTables.ZigzagToNatural[58..]);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i), JpegTables.ZigzagToNatural.Order());
    }

    [Fact]
    public void Quality_50_is_the_Annex_K_table_100_is_all_ones_and_1_saturates()
    {
        Assert.Equal(JpegTables.LuminanceQuantization.ToArray(), JpegTables.ScaledQuantization(JpegTables.LuminanceQuantization, 50));
        Assert.All(JpegTables.ScaledQuantization(JpegTables.LuminanceQuantization, 100), q => Assert.Equal(1, q));
        Assert.All(JpegTables.ScaledQuantization(JpegTables.ChrominanceQuantization, 1), q => Assert.Equal(255, q));
        Assert.Equal(8, JpegTables.ScaledQuantization(JpegTables.LuminanceQuantization, 75)[0]); // 16 × 50% = 8
    }

    [Fact]
    public void Vector_DCT_matches_the_definition_of_T81_A_3_3()
    {
        var random = new Random(3);
        var block = new float[64];
        for (var i = 0; i < 64; i++)
        {
            block[i] = random.Next(-128, 128);
        }

        var exact = new float[64];
        JpegForwardDct.Transform(block, exact);
        var ones = new byte[64];
        Array.Fill(ones, (byte)1);
        var zigzag = new int[64];
        JpegForwardDct.TransformAndQuantize(block, 8, 0, JpegForwardDct.Reciprocals(ones), zigzag);

        for (var k = 0; k < 64; k++)
        {
            Assert.InRange(zigzag[k], Math.Round(exact[JpegTables.ZigzagToNatural[k]]) - 1, Math.Round(exact[JpegTables.ZigzagToNatural[k]]) + 1);
        }

        // A flat block of value v has DC 8·v and no AC energy.
        Array.Fill(block, 10f);
        JpegForwardDct.TransformAndQuantize(block, 8, 0, JpegForwardDct.Reciprocals(ones), zigzag);
        Assert.Equal(80, zigzag[0]);
        Assert.All(zigzag[1..], c => Assert.Equal(0, c));
        _ = Vector256<float>.Count;
    }

    [Theory]
    [InlineData(256, 256)]
    [InlineData(17, 13)]
    [InlineData(1, 1)]
    [InlineData(8, 200)]
    public void Gray_jpeg_decodes_with_Pillow_at_the_right_size_and_close_to_the_input(int width, int height)
    {
        var image = TestImages.Gray(width, height);
        var jpeg = Encode(image, new JpegEncoderOptions { Quality = 90 });
        var pil = PythonImaging.Decode(jpeg, "jpg");

        Assert.Equal(("L", width, height, "JPEG"), (pil.Mode, pil.Width, pil.Height, pil.Format));
        AssertQualityLikeLibjpeg(image, pil.Pixels, 90, 0, floor: 33);
    }

    [Theory]
    [InlineData(JpegChromaSubsampling.Ratio420, 160, 120)]
    [InlineData(JpegChromaSubsampling.Ratio420, 33, 17)]
    [InlineData(JpegChromaSubsampling.Ratio444, 160, 120)]
    [InlineData(JpegChromaSubsampling.Ratio444, 9, 7)]
    public void Colour_jpeg_decodes_with_Pillow_as_RGB_close_to_the_input(JpegChromaSubsampling subsampling, int width, int height)
    {
        var image = TestImages.Rgb(width, height);
        var jpeg = Encode(image, new JpegEncoderOptions { Quality = 90, ChromaSubsampling = subsampling });
        var pil = PythonImaging.Decode(jpeg, "jpg");

        Assert.Equal(("RGB", width, height), (pil.Mode, pil.Width, pil.Height));
        AssertQualityLikeLibjpeg(image, pil.Pixels, 90, subsampling == JpegChromaSubsampling.Ratio420 ? 2 : 0, floor: 26);
    }

    [Fact]
    public void Restart_markers_cycle_RST0_to_RST7_and_the_image_decodes_the_same()
    {
        var image = TestImages.Rgb(200, 64, seed: 5);
        var plain = Encode(image, new JpegEncoderOptions { Quality = 85 });
        var restarted = Encode(image, new JpegEncoderOptions { Quality = 85, RestartIntervalMcus = 2 });

        var markers = new List<byte>();
        for (var i = 0; i + 1 < restarted.Length; i++)
        {
            if (restarted[i] == 0xFF && restarted[i + 1] is >= 0xD0 and <= 0xD7)
            {
                markers.Add(restarted[i + 1]);
            }
        }

        // 200×64 at 4:2:0 is 13×4 = 52 MCUs: a restart before every second MCU but the first, 25 in all.
        Assert.Equal(25, markers.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (byte)(0xD0 + (i % 8))), markers);
        Assert.Equal(PythonImaging.Decode(plain, "jpg").Pixels, PythonImaging.Decode(restarted, "jpg").Pixels);
    }

    [Fact]
    public void Lower_quality_gives_a_smaller_file_and_a_larger_error()
    {
        var image = TestImages.Gray(128, 128);
        var low = Encode(image, new JpegEncoderOptions { Quality = 10 });
        var high = Encode(image, new JpegEncoderOptions { Quality = 95 });
        Assert.True(low.Length < high.Length / 2, $"q10 {low.Length} bytes, q95 {high.Length} bytes");
        Assert.True(PythonImaging.Psnr(image.Pixels, PythonImaging.Decode(low, "jpg").Pixels) < PythonImaging.Psnr(image.Pixels, PythonImaging.Decode(high, "jpg").Pixels));
    }

    [Fact]
    public void Output_is_JFIF_with_SOI_APP0_and_EOI()
    {
        var jpeg = Encode(TestImages.Gray(16, 16));
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xE0], jpeg[..4]);
        Assert.Equal("JFIF\0"u8.ToArray(), jpeg[6..11]);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);
        Assert.Contains((byte)0xC0, jpeg.Zip(jpeg.Skip(1)).Where(p => p.First == 0xFF).Select(p => p.Second)); // SOF0: baseline
    }

    [Fact]
    public void Quality_outside_1_to_100_is_refused()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegEncoder.Encode(stream, TestImages.Gray(8, 8), new JpegEncoderOptions { Quality = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegEncoder.Encode(stream, TestImages.Gray(8, 8), new JpegEncoderOptions { Quality = 101 }));
    }

    /// <summary>
    /// Our JPEG at a quality must come within 1.5 dB PSNR of libjpeg's (through Pillow) at the same quality and
    /// subsampling, and above an absolute floor; small images with many edges score lower for both.
    /// </summary>
    private static void AssertQualityLikeLibjpeg(RenderedImage image, byte[] ours, int quality, int subsampling, double floor)
    {
        var psnr = PythonImaging.Psnr(image.Pixels, ours);
        var reference = PythonImaging.Psnr(image.Pixels, PythonImaging.PillowJpegRoundTrip(image, quality, subsampling));
        Assert.True(psnr > floor && psnr >= reference - 1.5, $"PSNR {psnr:F1} dB; libjpeg {reference:F1} dB");
    }

    internal static byte[] Encode(RenderedImage image, JpegEncoderOptions? options = null)
    {
        using var stream = new MemoryStream();
        JpegEncoder.Encode(stream, image, options);
        return stream.ToArray();
    }
}
