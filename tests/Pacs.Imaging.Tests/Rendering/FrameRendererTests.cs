using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Rendering;

public class FrameRendererTests
{
    [Fact]
    public void Monochrome2_applies_the_data_sets_window()
    {
        // PS3.3 C.11.2.1.2.1 with c = 40, w = 400: −160 and below black, above 239 white, 39 just below middle grey.
        var ds = Datasets.Image(1, 5, 16, 16, 15, signed: true).WithWindow("40", "400");
        var image = FrameRenderer.Render(ds, Datasets.Bytes((short)-160, 39, 40, 239, 1000));

        Assert.Equal(RenderedPixelFormat.Gray8, image.Format);
        Assert.Equal([0, 127, 128, 255, 255], image.Pixels);
    }

    [Fact]
    public void Monochrome1_is_inverted_so_its_minimum_is_white()
    {
        var ds = Datasets.Image(1, 3, 8, 8, 7, photometric: "MONOCHROME1").WithWindow("127.5", "255", "LINEAR_EXACT");
        Assert.Equal([255, 127, 0], FrameRenderer.Render(ds, [0, 128, 255]).Pixels);
    }

    [Fact]
    public void Presentation_LUT_shape_INVERSE_inverts_monochrome2()
    {
        var ds = Datasets.Image(1, 2, 8, 8, 7).WithWindow("127.5", "255", "LINEAR_EXACT");
        ds.Set(ImagingTags.PresentationLutShape, DicomVR.CS, "INVERSE");
        Assert.Equal([255, 0], FrameRenderer.Render(ds, [0, 255]).Pixels);
    }

    [Fact]
    public void Rescale_turns_stored_values_into_Hounsfield_units_before_the_window()
    {
        // Stored 0 with intercept −1024 is −1024 HU; stored 1064 is 40 HU, the window center.
        var ds = Datasets.Image(1, 3, 16, 12, 11, signed: false).WithRescale("1", "-1024").WithWindow("40", "400", "LINEAR_EXACT");
        Assert.Equal([0, 128, 255], FrameRenderer.Render(ds, Datasets.Bytes((ushort)0, 1064, 1264)).Pixels);

        var doubled = Datasets.Image(1, 2, 16, 16, 15).WithRescale("2", "-100").WithWindow("0", "200", "LINEAR_EXACT");
        Assert.Equal([128, 255], FrameRenderer.Render(doubled, Datasets.Bytes((ushort)50, 100)).Pixels);
    }

    [Fact]
    public void Signed_12_bit_samples_are_sign_extended_and_bits_above_the_high_bit_ignored()
    {
        // 0xF800 has garbage in bits 12..15 and 0x800 in bits 0..11: −2048. 0x07FF is +2047. 0xA000 is 0.
        var ds = Datasets.Image(1, 3, 16, 12, 11, signed: true).WithWindow("0", "4095", "LINEAR_EXACT");
        var pixels = FrameRenderer.Render(ds, Datasets.Bytes((ushort)0xF800, 0x07FF, 0xA000)).Pixels;
        Assert.Equal([0, 255, 128], pixels);
    }

    [Fact]
    public void High_bit_above_bits_stored_shifts_the_samples_down()
    {
        // Bits Stored 8 at High Bit 11: the value sits in bits 4..11.
        var ds = Datasets.Image(1, 2, 16, 8, 11).WithWindow("127.5", "255", "LINEAR_EXACT");
        Assert.Equal([0, 255], FrameRenderer.Render(ds, Datasets.Bytes((ushort)0x000F, 0x0FF0)).Pixels);
    }

    [Fact]
    public void Without_any_window_the_frames_min_and_max_span_black_to_white()
    {
        var ds = Datasets.Image(2, 2, 16, 16, 15, signed: true);
        var pixels = FrameRenderer.Render(ds, Datasets.Bytes((short)-500, 0, 500, 1500)).Pixels;
        Assert.Equal([0, 64, 128, 255], pixels);
    }

    [Fact]
    public void Explicit_window_wins_over_the_data_sets_window()
    {
        var ds = Datasets.Image(1, 2, 8, 8, 7).WithWindow("1000", "10");
        var pixels = FrameRenderer.Render(ds, [0, 255], new RenderingParameters { Window = new VoiWindow(127.5, 255, VoiLutFunction.LinearExact) }).Pixels;
        Assert.Equal([0, 255], pixels);
    }

    [Fact]
    public void Sigmoid_function_from_the_data_set_is_used()
    {
        var ds = Datasets.Image(1, 3, 8, 8, 7).WithWindow("100", "50", "SIGMOID");
        var pixels = FrameRenderer.Render(ds, [100, 125, 75]).Pixels;
        Assert.Equal([128, (byte)Math.Round(255 / (1 + Math.Exp(-2))), (byte)Math.Round(255 / (1 + Math.Exp(2)))], pixels);
    }

    [Fact]
    public void One_bit_pixels_are_unpacked_least_significant_bit_first()
    {
        var ds = Datasets.Image(2, 5, 1, 1, 0);
        // Pixels 0..9 = 1,0,1,1,0, 0,0,0,1,1 → byte 0 = 0b00001101, byte 1 bits 0,1 = pixels 8,9.
        var image = FrameRenderer.Render(ds, [0b0000_1101, 0b0000_0011]);
        Assert.Equal([255, 0, 255, 255, 0, 0, 0, 0, 255, 255], image.Pixels);
    }

    [Fact]
    public void Float_pixel_data_is_windowed_from_its_range()
    {
        var ds = Datasets.Image(1, 3, 32, 32, 31);
        ds.SetValues(ImagingTags.FloatPixelData, DicomVR.OF, 0f);
        var description = PixelDescription.FromDataset(ds);
        Assert.True(description.IsFloat);

        Assert.Equal([0, 128, 255], FrameRenderer.Render(description, Datasets.Bytes(-1.5f, 0.25f, 2f)).Pixels);
        Assert.Equal([0, 0, 255], FrameRenderer.Render(description, Datasets.Bytes(-1.5f, 0.25f, 2f), new RenderingParameters { Window = new VoiWindow(1, 1, VoiLutFunction.LinearExact) }).Pixels);
    }

    [Fact]
    public void Modality_LUT_replaces_rescale_and_VOI_LUT_applies_when_no_window_is_given()
    {
        var ds = Datasets.Image(1, 3, 16, 12, 11).WithRescale("100", "100");
        var modality = new DicomDataset();
        modality.SetValues(ImagingTags.LutDescriptor, DicomVR.US, (ushort)4, (ushort)10, (ushort)12);
        modality.SetValues(ImagingTags.LutData, DicomVR.US, (ushort)0, (ushort)1000, (ushort)2000, (ushort)4000);
        ds.SetSequence(ImagingTags.ModalityLutSequence, modality);
        var voi = new DicomDataset();
        voi.SetValues(ImagingTags.LutDescriptor, DicomVR.US, (ushort)3, (ushort)999, (ushort)8);
        voi.SetValues(ImagingTags.LutData, DicomVR.US, (ushort)0, (ushort)100, (ushort)255);
        ds.SetSequence(ImagingTags.VoiLutSequence, voi);

        // Stored 5 (below the first mapped 10) → 0 → VOI first entry 0; stored 11 → 1000 → VOI entry 1, 100;
        // 13 → 4000 → past the VOI LUT's end → 255.
        Assert.Equal([0, 100, 255], FrameRenderer.Render(ds, Datasets.Bytes((ushort)5, 11, 13)).Pixels);
    }

    [Fact]
    public void Palette_color_maps_stored_values_through_16_bit_tables_from_the_first_mapped_value()
    {
        var ds = Datasets.Image(1, 4, 8, 8, 7, photometric: "PALETTE COLOR");
        foreach (var (descriptor, data, scale) in new[] { (ImagingTags.RedPaletteDescriptor, ImagingTags.RedPaletteData, 1), (ImagingTags.GreenPaletteDescriptor, ImagingTags.GreenPaletteData, 2), (ImagingTags.BluePaletteDescriptor, ImagingTags.BluePaletteData, 3) })
        {
            ds.SetValues(descriptor, DicomVR.US, (ushort)3, (ushort)10, (ushort)16);
            ds.SetValues(data, DicomVR.OW, (ushort)(10 * scale << 8), (ushort)(20 * scale << 8), (ushort)(30 * scale << 8));
        }

        var image = FrameRenderer.Render(ds, [9, 10, 11, 200]);
        Assert.Equal(RenderedPixelFormat.Rgb24, image.Format);
        Assert.Equal([10, 20, 30, 10, 20, 30, 20, 40, 60, 30, 60, 90], image.Pixels);
    }

    [Fact]
    public void Palette_color_with_8_bit_entries_packed_in_bytes_is_read()
    {
        var ds = Datasets.Image(1, 2, 8, 8, 7, photometric: "PALETTE COLOR");
        foreach (var (descriptor, data) in new[] { (ImagingTags.RedPaletteDescriptor, ImagingTags.RedPaletteData), (ImagingTags.GreenPaletteDescriptor, ImagingTags.GreenPaletteData), (ImagingTags.BluePaletteDescriptor, ImagingTags.BluePaletteData) })
        {
            ds.SetValues(descriptor, DicomVR.US, (ushort)4, (ushort)0, (ushort)8);
            ds.SetValues(data, DicomVR.OW, new byte[] { 5, 6, 7, 8 });
        }

        Assert.Equal([5, 5, 5, 8, 8, 8], FrameRenderer.Render(ds, [0, 3]).Pixels);
    }

    [Fact]
    public void Segmented_palette_expands_discrete_linear_and_indirect_segments()
    {
        // Discrete [0, 100], linear to 400 over 3 → 200, 300, 400; indirect: replay 1 segment at byte offset 0 → 0, 100.
        ushort[] words = [0, 2, 0, 100, 1, 3, 400, 2, 1, 0, 0];
        var bytes = Datasets.Bytes(words);
        Assert.Equal([0, 100, 200, 300, 400, 0, 100, 100], PaletteColorLut.ExpandSegments(bytes, 8));
    }

    [Fact]
    public void Rgb_by_plane_renders_the_same_as_rgb_by_pixel()
    {
        byte[] interleaved = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        byte[] planar = [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30];
        var byPixel = FrameRenderer.Render(Datasets.Image(2, 2, 8, 8, 7, photometric: "RGB", samples: 3, planar: 0), interleaved);
        var byPlane = FrameRenderer.Render(Datasets.Image(2, 2, 8, 8, 7, photometric: "RGB", samples: 3, planar: 1), planar);
        Assert.Equal(interleaved, byPixel.Pixels);
        Assert.Equal(interleaved, byPlane.Pixels);
    }

    [Fact]
    public void Sixteen_bit_rgb_keeps_the_top_eight_stored_bits()
    {
        var ds = Datasets.Image(1, 1, 16, 16, 15, photometric: "RGB", samples: 3);
        Assert.Equal([0xAB, 0x12, 0xFF], FrameRenderer.Render(ds, Datasets.Bytes((ushort)0xABCD, 0x1234, 0xFFFF)).Pixels);
    }

    [Fact]
    public void Ybr_full_converts_to_rgb_with_the_C_7_6_3_1_2_equations()
    {
        var ds = Datasets.Image(1, 3, 8, 8, 7, photometric: "YBR_FULL", samples: 3);
        // Grey stays grey; pure red (255,0,0) is Y 76, Cb 85, Cr 255 in YBR_FULL.
        var pixels = FrameRenderer.Render(ds, [128, 128, 128, 76, 85, 255, 29, 255, 107]).Pixels;
        Assert.Equal([128, 128, 128], pixels[..3]);
        Assert.InRange(pixels[3], 253, 255);
        Assert.InRange(pixels[4], 0, 2);
        Assert.InRange(pixels[5], 0, 2);
        Assert.InRange(pixels[6], 0, 2); // pure blue: Y 29, Cb 255, Cr 107
        Assert.InRange(pixels[8], 253, 255);
    }

    [Fact]
    public void Ybr_full_422_shares_chroma_between_pixel_pairs()
    {
        var ds = Datasets.Image(1, 4, 8, 8, 7, photometric: "YBR_FULL_422", samples: 3);
        // Y1 Y2 Cb Cr for pixels 0–1, then for 2–3; neutral chroma gives grey at each Y.
        var pixels = FrameRenderer.Render(ds, [10, 20, 128, 128, 30, 40, 128, 128]).Pixels;
        Assert.Equal([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40], pixels);
    }

    [Fact]
    public void A_frame_shorter_than_the_description_is_refused_with_the_sizes()
    {
        var ds = Datasets.Image(10, 10, 16, 12, 11);
        var error = Assert.Throws<ImageRenderingException>(() => FrameRenderer.Render(ds, new byte[150]));
        Assert.Contains("needs 200", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_rows_and_unknown_photometric_interpretation_are_explained()
    {
        var noRows = Datasets.Image(10, 10, 8, 8, 7);
        noRows.Remove(ImagingTags.Rows);
        Assert.Contains("Rows (0028,0010)", Assert.Throws<ImageRenderingException>(() => PixelDescription.FromDataset(noRows)).Message, StringComparison.Ordinal);

        var cmyk = Datasets.Image(2, 2, 8, 8, 7, photometric: "CMYK", samples: 4);
        Assert.Contains("'CMYK' is not rendered", Assert.Throws<ImageRenderingException>(() => PixelDescription.FromDataset(cmyk)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attributes_that_arrived_as_UN_are_still_read()
    {
        // Implicit VR data read without a dictionary entry: every element is UN with its raw bytes.
        var ds = new DicomDataset();
        ds.Set(new DicomElement(ImagingTags.PhotometricInterpretation, DicomVR.UN, "MONOCHROME1 "u8.ToArray()));
        ds.Set(new DicomElement(ImagingTags.Rows, DicomVR.UN, new byte[] { 2, 0 }));
        ds.Set(new DicomElement(ImagingTags.Columns, DicomVR.UN, new byte[] { 3, 0 }));
        ds.Set(new DicomElement(ImagingTags.BitsAllocated, DicomVR.UN, new byte[] { 8, 0 }));
        ds.Set(new DicomElement(ImagingTags.WindowCenter, DicomVR.UN, "100\\200 "u8.ToArray()));
        ds.Set(new DicomElement(ImagingTags.WindowWidth, DicomVR.UN, "50\\60 "u8.ToArray()));

        var d = PixelDescription.FromDataset(ds);
        Assert.Equal((2, 3, 8, Photometric.Monochrome1), (d.Rows, d.Columns, d.BitsStored, d.Photometric));
        Assert.Equal(new VoiWindow(100, 50), d.Window);
    }

    [Fact]
    public void Thumbnail_fits_the_default_size_keeping_the_aspect_ratio()
    {
        var ds = Datasets.Image(300, 600, 8, 8, 7);
        var thumbnail = FrameRenderer.RenderThumbnail(PixelDescription.FromDataset(ds), new byte[300 * 600]);
        Assert.Equal((RenderingParameters.DefaultThumbnailSize, RenderingParameters.DefaultThumbnailSize / 2), (thumbnail.Width, thumbnail.Height));
    }
}
