using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Jpeg;

/// <summary>
/// Restart intervals (T.81 B.2.4.4, F.2.2.5) through the DICOM frame decoder: no corpus file has them and DCMTK's
/// encoder writes none, so this project's own encoder makes the streams — grey and 4:2:0 colour, sizes that leave
/// partial MCUs, intervals of 1, 3 and 7 MCUs. The restart markers change only the entropy coding, so every stream
/// must decode to exactly the samples of the stream without them, and those must equal Pillow's (libjpeg) decode.
/// </summary>
public sealed class JpegRestartDecodeTests
{
    [Theory]
    [InlineData(1, 100, 75)]
    [InlineData(3, 97, 61)]
    public void Restart_intervals_decode_to_the_samples_of_the_stream_without_them_and_to_libjpegs(int components, int width, int height)
    {
        var random = new Random(20261124);
        var pixels = new byte[width * height * components];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var s = 0; s < components; s++)
                {
                    pixels[(((y * width) + x) * components) + s] = (byte)Math.Clamp((x * (s + 2)) + (y * 3) - (s * 40) + random.Next(-20, 21), 0, 255);
                }
            }
        }

        var geometry = new DicomFrameGeometry
        {
            Rows = height,
            Columns = width,
            SamplesPerPixel = components,
            BitsAllocated = 8,
            BitsStored = 8,
            PhotometricInterpretation = components == 1 ? "MONOCHROME2" : "YBR_FULL_422",
        };

        var plain = Encode(width, height, components, pixels, 0);
        var expected = DicomCodecs.DecodeFrame(DicomTransferSyntax.JPEGBaseline8Bit, plain, geometry);
        Assert.Equal(components == 1 ? "MONOCHROME2" : "RGB", expected.PhotometricInterpretation);

        var pillow = PythonImaging.Decode(plain, "jpg");
        Assert.Equal((width, height), (pillow.Width, pillow.Height));
        Assert.Equal(pillow.Pixels, expected.Pixels);

        foreach (var interval in new[] { 1, 3, 7 })
        {
            var restarted = Encode(width, height, components, pixels, interval);
            Assert.True(restarted.AsSpan().IndexOf([(byte)0xFF, (byte)0xD0]) > 0, $"The stream with interval {interval} has no RST0 marker.");
            Assert.Equal(expected.Pixels, DicomCodecs.DecodeFrame(DicomTransferSyntax.JPEGBaseline8Bit, restarted, geometry).Pixels);
        }
    }

    [Fact]
    public void A_missing_restart_marker_is_named_in_the_error()
    {
        var pixels = new byte[64 * 64];
        new Random(7).NextBytes(pixels);
        var restarted = Encode(64, 64, 1, pixels, 2);
        var at = restarted.AsSpan().IndexOf([(byte)0xFF, (byte)0xD1]);
        Assert.True(at > 0);
        restarted[at + 1] = 0xD5; // RST5 where RST1 belongs
        var geometry = new DicomFrameGeometry { Rows = 64, Columns = 64, BitsAllocated = 8, BitsStored = 8, PhotometricInterpretation = "MONOCHROME2" };
        var error = Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(DicomTransferSyntax.JPEGBaseline8Bit, restarted, geometry));
        Assert.Contains("RST1", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Encode(int width, int height, int components, byte[] pixels, int restartInterval)
    {
        using var stream = new MemoryStream();
        Pacs.Imaging.JpegEncoder.Encode(stream, width, height, components, pixels, new JpegEncoderOptions { Quality = 85, RestartIntervalMcus = restartInterval });
        return stream.ToArray();
    }
}
