namespace Pacs.Dicom.Tests.Codecs;

/// <summary>RLE Lossless against the files of the shared corpus that other toolkits compressed.</summary>
public sealed class RleCorpusTests
{
    [Theory]
    [InlineData("transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/emri_small_RLE.dcm", "multiframe/emri_small.dcm")]
    [InlineData("multiframe/SC_rgb_rle_2frame.dcm", "multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_rle_16bit_2frame.dcm", "multiframe/SC_rgb_16bit_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_rle_32bit_2frame.dcm", "multiframe/SC_rgb_32bit_2frame.dcm")]
    [InlineData("pixel-formats/SC_rgb_rle_16bit.dcm", "pixel-formats/SC_rgb_16bit.dcm")]
    [InlineData("pixel-formats/SC_rgb_rle_32bit.dcm", "pixel-formats/SC_rgb_32bit.dcm")]
    [InlineData("multiframe/rtdose_rle.dcm", "multiframe/rtdose.dcm")]
    [InlineData("multiframe/liver_rle.dcm", "multiframe/liver.dcm")]
    public void Decoded_frames_equal_the_native_counterpart_and_survive_re_encoding(string rleFile, string nativeFile)
    {
        var rle = Pixels(rleFile);
        var native = Pixels(nativeFile);

        Assert.Equal(native.NumberOfFrames, rle.NumberOfFrames);
        for (var i = 0; i < rle.NumberOfFrames; i++)
        {
            var expected = native.ReadFrame(i);
            var decoded = Decode(rle, rle.ReadFrame(i));
            Assert.Equal(expected, decoded);

            var reencoded = RleCodec.Encode(decoded, rle.Rows, rle.Columns, rle.SamplesPerPixel, rle.BitsAllocated);
            Assert.Equal(expected, Decode(rle, reencoded));
        }
    }

    [Fact]
    public void First_frame_of_the_two_frame_palette_ultrasound_is_the_single_frame_original()
    {
        var rle = Pixels("multiframe/OBXXXX1A_rle_2frame.dcm");
        var native = Pixels("pixel-formats/OBXXXX1A.dcm");

        Assert.Equal(native.ReadFrame(0), Decode(rle, rle.ReadFrame(0)));
    }

    [Fact]
    public void Colour_by_plane_encodes_and_decodes_to_the_same_image_as_colour_by_pixel()
    {
        var planar = Pixels("pixel-formats/color-pl.dcm");
        var interleaved = Pixels("pixel-formats/color-px.dcm");
        Assert.Equal(1, planar.PlanarConfiguration);

        var encoded = RleCodec.Encode(planar.ReadFrame(0), planar.Rows, planar.Columns, 3, 8, planar: true);

        Assert.Equal(planar.ReadFrame(0), RleCodec.Decode(encoded, planar.Rows, planar.Columns, 3, 8, planar: true));
        Assert.Equal(interleaved.ReadFrame(0), RleCodec.Decode(encoded, planar.Rows, planar.Columns, 3, 8));
    }

    private static DicomPixelData Pixels(string file)
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        return DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);
    }

    private static byte[] Decode(DicomPixelData pixels, byte[] frame) =>
        RleCodec.Decode(frame, pixels.Rows, pixels.Columns, pixels.SamplesPerPixel, pixels.BitsAllocated, pixels.PlanarConfiguration == 1);
}
