using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Corpus;

/// <summary>RLE sources end to end: frame extraction, the RLE codec, then rendering, against the same image stored native.</summary>
public class RleSourceTests
{
    [Theory]
    [InlineData("transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/SC_rgb_rle_2frame.dcm", "multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_rle_16bit_2frame.dcm", "multiframe/SC_rgb_16bit_2frame.dcm")]
    public void Rle_frame_decoded_by_pixel_renders_like_the_native_file(string rleFile, string nativeFile)
    {
        var rle = DicomFile.Open(TestPaths.CorpusFile(rleFile));
        var pixelData = DicomPixelData.FromDataset(rle.Dataset, rle.TransferSyntax);
        Assert.True(pixelData.IsEncapsulated);
        var decoded = RleCodec.Decode(pixelData.ReadFrame(0), pixelData.Rows, pixelData.Columns, pixelData.SamplesPerPixel, pixelData.BitsAllocated, planar: false);

        // The codec was asked for colour by pixel, so the description says so whatever the data set declares.
        var description = PixelDescription.FromDataset(rle.Dataset) with { PlanarConfiguration = 0 };
        var fromRle = FrameRenderer.Render(description, decoded);

        var native = CorpusFrames.Load(nativeFile);
        var fromNative = FrameRenderer.Render(native.Description, native.Frame);
        Assert.Equal(fromNative.Pixels, fromRle.Pixels);
    }
}
