using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Corpus;

/// <summary>
/// JPEG and JPEG-LS sources through <see cref="StoredFrameRenderer"/>: a lossless frame renders exactly like the same
/// image stored native; a lossy YBR_FULL_422 frame renders as the RGB it decodes to; syntaxes without a decoder and
/// corrupt frames are <see cref="ImageRenderingException"/>s that say why.
/// </summary>
public class JpegSourceTests
{
    [Theory]
    [InlineData("transfer-syntaxes/MR_small_jpeg_lossless_p14_sv6.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("transfer-syntaxes/SC_rgb_jpeg_gdcm.dcm", "pixel-formats/SC_rgb.dcm")]
    [InlineData("multiframe/emri_small_jpeg_ls_lossless.dcm", "multiframe/emri_small.dcm")]
    public void A_lossless_frame_renders_like_the_native_file(string compressedFile, string nativeFile)
    {
        var compressed = DicomFile.Open(TestPaths.CorpusFile(compressedFile));
        var frame = DicomPixelData.FromDataset(compressed.Dataset, compressed.TransferSyntax).ReadFrame(0);
        var native = CorpusFrames.Load(nativeFile);
        var expected = FrameRenderer.Render(native.Description, native.Frame, RenderingParameters.Default);

        var rendered = StoredFrameRenderer.Render(compressed.Dataset, compressed.TransferSyntax, frame, RenderingParameters.Default);
        Assert.Equal((expected.Width, expected.Height, expected.Format), (rendered.Width, rendered.Height, rendered.Format));
        Assert.Equal(expected.Pixels, rendered.Pixels);
    }

    [Fact]
    public void A_lossy_YBR_FULL_422_frame_renders_as_the_RGB_it_decodes_to()
    {
        var file = DicomFile.Open(TestPaths.CorpusFile("pixel-formats/SC_rgb_dcmtk_+eb+cy+np.dcm"));
        var frame = DicomPixelData.FromDataset(file.Dataset, file.TransferSyntax).ReadFrame(0);
        var description = PixelDescription.FromDataset(file.Dataset);
        Assert.Equal(Photometric.YbrFull422, description.Photometric);

        var (decodedDescription, pixels) = StoredFrameRenderer.Decode(file.Dataset, description, file.TransferSyntax, frame);
        Assert.Equal(Photometric.Rgb, decodedDescription.Photometric);
        Assert.Equal(100 * 100 * 3, pixels.Length);
        var rendered = StoredFrameRenderer.Render(file.Dataset, file.TransferSyntax, frame);
        Assert.Equal(RenderedPixelFormat.Rgb24, rendered.Format);
        Assert.Equal(pixels, rendered.Pixels);
    }

    [Fact]
    public void JPEG_2000_and_corrupt_frames_are_rendering_errors_that_say_why()
    {
        var j2k = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/US1_J2KR.dcm"));
        var j2kFrame = DicomPixelData.FromDataset(j2k.Dataset, j2k.TransferSyntax).ReadFrame(0);
        var error = Assert.Throws<ImageRenderingException>(() => StoredFrameRenderer.Render(j2k.Dataset, j2k.TransferSyntax, j2kFrame));
        Assert.Contains(j2k.TransferSyntax.Uid, error.Message, StringComparison.Ordinal);

        var jpeg = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small_jpeg_lossless_p14_sv6.dcm"));
        var frame = DicomPixelData.FromDataset(jpeg.Dataset, jpeg.TransferSyntax).ReadFrame(0);
        error = Assert.Throws<ImageRenderingException>(() => StoredFrameRenderer.Render(jpeg.Dataset, jpeg.TransferSyntax, frame.AsSpan(0, frame.Length / 2)));
        Assert.Contains("cannot be decoded", error.Message, StringComparison.Ordinal);
    }
}
