using Xunit.Abstractions;

namespace Pacs.Imaging.Tests.Corpus;

/// <summary>
/// Real corpus files rendered to PNG and JPEG, decoded again by Pillow, and compared pixel by pixel with what
/// pydicom (and numpy) compute from the same file.
/// </summary>
public class CorpusRenderingTests(ITestOutputHelper output)
{
    // pydicom's view of a file, reduced to the 8-bit picture this library should produce; written to stdout raw.
    private const string ReferenceScript = """
        import sys, numpy as np, pydicom
        from pydicom.pixel_data_handlers.util import apply_color_lut, convert_color_space
        path, kind = sys.argv[1], sys.argv[2]
        ds = pydicom.dcmread(path, force=True)
        if "TransferSyntaxUID" not in ds.file_meta:
            ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
        a = ds.pixel_array
        if getattr(ds, "NumberOfFrames", 1) not in (None, "", 1) and int(ds.NumberOfFrames) > 1:
            a = a[0]
        if kind == "window":
            m = a.astype(np.float64) * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
            if "WindowCenter" in ds:
                c = float(ds.WindowCenter[0] if ds["WindowCenter"].VM > 1 else ds.WindowCenter)
                w = float(ds.WindowWidth[0] if ds["WindowWidth"].VM > 1 else ds.WindowWidth)
                y = np.where(m <= c - 0.5 - (w - 1) / 2, 0.0, np.where(m > c - 0.5 + (w - 1) / 2, 1.0, (m - (c - 0.5)) / (w - 1) + 0.5))
            else:
                lo, hi = m.min(), m.max()
                y = (m - lo) / (hi - lo)
            out = np.floor(y * 255 + 0.5)
            if ds.PhotometricInterpretation == "MONOCHROME1":
                out = 255 - out
            out = out.astype(np.uint8)
        elif kind == "rgb":
            out = a.astype(np.uint8)
        elif kind == "ybr":
            out = convert_color_space(a, "YBR_FULL", "RGB").astype(np.uint8)
        elif kind == "palette":
            out = (apply_color_lut(a, ds) >> 8).astype(np.uint8)
        sys.stdout.buffer.write(np.ascontiguousarray(out).tobytes())
        """;

    [Theory]
    [InlineData("valid/CT_small.dcm", 128, 128, "L")]
    [InlineData("transfer-syntaxes/MR_small.dcm", 64, 64, "L")]
    [InlineData("valid/693_UNCI.dcm", 512, 512, "L")]
    [InlineData("valid/dicomweb-client_sample.dcm", 128, 128, "L")]
    [InlineData("valid/mlut_18.dcm", 512, 512, "L")]
    [InlineData("valid/vlut_04.dcm", 512, 512, "L")]
    [InlineData("pixel-formats/MR-SIEMENS-DICOM-WithOverlays.dcm", 484, 484, "L")]
    [InlineData("pixel-formats/parametric_map_float.dcm", 128, 128, "L")]
    [InlineData("pixel-formats/parametric_map_double_float.dcm", 128, 128, "L")]
    [InlineData("multiframe/liver_nonbyte_aligned.dcm", 510, 510, "L")]
    [InlineData("dicomdir/pydicom-dicomdirtests/77654033/CR1/6154", 16, 16, "L")]
    [InlineData("pixel-formats/SC_rgb.dcm", 100, 100, "RGB")]
    [InlineData("pixel-formats/SC_rgb_16bit.dcm", 100, 100, "RGB")]
    [InlineData("pixel-formats/SC_rgb_32bit.dcm", 100, 100, "RGB")]
    [InlineData("pixel-formats/color-pl.dcm", 120, 256, "RGB")]
    [InlineData("pixel-formats/color-px.dcm", 120, 256, "RGB")]
    [InlineData("pixel-formats/SC_ybr_full_uncompressed.dcm", 100, 100, "RGB")]
    [InlineData("pixel-formats/SC_ybr_full_422_uncompressed.dcm", 100, 100, "RGB")]
    [InlineData("pixel-formats/OT-PAL-8-face.dcm", 480, 640, "RGB")]
    [InlineData("pixel-formats/OBXXXX1A.dcm", 600, 800, "RGB")]
    [InlineData("pixel-formats/gdcm-US-ALOKA-16.dcm", 480, 640, "RGB")]
    [InlineData("transfer-syntaxes/US1_UNCR.dcm", 480, 640, "RGB")]
    [InlineData("valid/SC_rgb_small_odd.dcm", 3, 3, "RGB")]
    public void Corpus_frame_renders_to_png_and_jpeg_that_Pillow_decodes_at_the_right_size(string file, int rows, int columns, string mode)
    {
        var (_, description, frame) = CorpusFrames.Load(file);
        var image = FrameRenderer.Render(description, frame);
        Assert.Equal((columns, rows), (image.Width, image.Height));

        using var png = new MemoryStream();
        PngEncoder.Encode(png, image);
        SaveForInspection(file, png.ToArray());
        var decodedPng = PythonImaging.Decode(png.ToArray(), "png");
        Assert.Equal((mode, columns, rows), (decodedPng.Mode, decodedPng.Width, decodedPng.Height));
        Assert.Equal(image.Pixels, decodedPng.Pixels);

        using var jpeg = new MemoryStream();
        JpegEncoder.Encode(jpeg, image, new JpegEncoderOptions { Quality = 90 });
        var decodedJpeg = PythonImaging.Decode(jpeg.ToArray(), "jpg");
        Assert.Equal((mode, columns, rows), (decodedJpeg.Mode, decodedJpeg.Width, decodedJpeg.Height));
        // Sharp colour test patterns lose much at 4:2:0, so the bar is libjpeg's own result on the same picture.
        var psnr = PythonImaging.Psnr(image.Pixels, decodedJpeg.Pixels);
        var reference = PythonImaging.Psnr(image.Pixels, PythonImaging.PillowJpegRoundTrip(image, 90, 2));
        output.WriteLine($"{file}: PNG {png.Length} bytes, JPEG {jpeg.Length} bytes, JPEG PSNR {psnr:F1} dB (libjpeg {reference:F1} dB)");
        Assert.True(psnr >= reference - 1.5, $"JPEG PSNR {psnr:F1} dB, libjpeg {reference:F1} dB");
    }

    [Theory]
    [InlineData("valid/CT_small.dcm", "window", 1)] // signed, rescaled, no window: the frame's range
    [InlineData("transfer-syntaxes/MR_small.dcm", "window", 1)] // window 600/1600 from the data set
    [InlineData("valid/693_UNCI.dcm", "window", 1)] // signed 14-bit CT, window 40/100
    [InlineData("pixel-formats/MR-SIEMENS-DICOM-WithOverlays.dcm", "window", 1)] // first of two windows
    [InlineData("dicomdir/pydicom-dicomdirtests/77654033/CR1/6154", "window", 1)] // MONOCHROME1
    [InlineData("pixel-formats/SC_rgb.dcm", "rgb", 0)]
    [InlineData("pixel-formats/color-pl.dcm", "rgb", 0)] // by plane
    [InlineData("pixel-formats/color-px.dcm", "rgb", 0)] // by pixel
    [InlineData("pixel-formats/SC_ybr_full_uncompressed.dcm", "ybr", 2)]
    [InlineData("pixel-formats/SC_ybr_full_422_uncompressed.dcm", "ybr", 2)]
    [InlineData("pixel-formats/OT-PAL-8-face.dcm", "palette", 0)]
    [InlineData("pixel-formats/OBXXXX1A.dcm", "palette", 0)]
    [InlineData("pixel-formats/gdcm-US-ALOKA-16.dcm", "palette", 1)] // segmented palette
    public void Corpus_rendering_matches_pydicom_within_a_tolerance(string file, string kind, int tolerance)
    {
        var (_, description, frame) = CorpusFrames.Load(file);
        var image = FrameRenderer.Render(description, frame);
        var expected = PythonImaging.Run(ReferenceScript, TestPaths.CorpusFile(file), kind);

        Assert.Equal(expected.Length, image.Pixels.Length);
        var worst = 0;
        var worstAt = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - image.Pixels[i]);
            if (d > worst)
            {
                worst = d;
                worstAt = i;
            }
        }

        Assert.True(worst <= tolerance, $"{file}: sample {worstAt} is {image.Pixels[Math.Max(0, worstAt)]}, pydicom says {expected[Math.Max(0, worstAt)]}.");
    }

    [Fact]
    public void Rgb_by_plane_and_by_pixel_corpus_files_render_identically()
    {
        var planar = CorpusFrames.Load("pixel-formats/color-pl.dcm");
        var interleaved = CorpusFrames.Load("pixel-formats/color-px.dcm");
        Assert.Equal(1, planar.Description.PlanarConfiguration);
        Assert.Equal(0, interleaved.Description.PlanarConfiguration);
        Assert.Equal(FrameRenderer.Render(interleaved.Description, interleaved.Frame).Pixels, FrameRenderer.Render(planar.Description, planar.Frame).Pixels);
    }

    [Fact]
    public void Ybr_full_corpus_file_looks_like_its_rgb_twin()
    {
        var rgb = CorpusFrames.Load("pixel-formats/SC_rgb.dcm");
        var ybr = CorpusFrames.Load("pixel-formats/SC_ybr_full_uncompressed.dcm");
        var psnr = PythonImaging.Psnr(FrameRenderer.Render(rgb.Description, rgb.Frame).Pixels, FrameRenderer.Render(ybr.Description, ybr.Frame).Pixels);
        Assert.True(psnr > 40, $"PSNR {psnr:F1} dB");
    }

    [Fact]
    public void Ct_thumbnail_and_viewport_region_keep_the_aspect_ratio()
    {
        var (_, description, frame) = CorpusFrames.Load("valid/693_UNCI.dcm");
        var thumbnail = FrameRenderer.RenderThumbnail(description, frame);
        Assert.Equal((128, 128), (thumbnail.Width, thumbnail.Height));

        var parameters = RenderingParameters.Parse("viewport=300,100,128,128,256,128&window=40,400,linear");
        var region = FrameRenderer.Render(description, frame, parameters);
        Assert.Equal((200, 100), (region.Width, region.Height));
    }

    /// <summary>Set PACS_IMAGING_RENDER_DIR to keep the PNGs for a person to look at.</summary>
    private static void SaveForInspection(string file, byte[] png)
    {
        var folder = Environment.GetEnvironmentVariable("PACS_IMAGING_RENDER_DIR");
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, file.Replace('/', '_') + ".png"), png);
        }
    }
}
