using System.Buffers.Binary;

namespace Pacs.Dicom.Tests.Codecs.Jpeg;

/// <summary>
/// Broken compressed frames: truncated, bit-flipped, lying about their size, or of another codec. The decoders must
/// answer each with a <see cref="DicomCodecException"/> or a frame of the declared size, never another exception, a
/// hang or an allocation sized by the stream rather than by the data set's attributes.
/// </summary>
public sealed class JpegMalformedStreamTests
{
    public static TheoryData<string> Streams() => new()
    {
        "transfer-syntaxes/vlut_04_jpeg_baseline_gray.dcm",
        "transfer-syntaxes/JPGExtended.dcm",
        "pixel-formats/SC_rgb_dcmtk_+eb+cy+np.dcm",
        "transfer-syntaxes/SC_rgb_jpeg_dcmtk.dcm",
        "transfer-syntaxes/MR_small_jpeg_lossless_p14_sv6.dcm",
        "transfer-syntaxes/SC_rgb_jpeg_gdcm.dcm",
        "transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm",
        "transfer-syntaxes/JLSL_RGB_ILV1.dcm",
        "transfer-syntaxes/JLSN_RGB_ILV0.dcm",
        "transfer-syntaxes/JLSL_16_15_1_1F.dcm",
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void Truncated_frames_give_a_codec_error_or_a_frame_of_the_declared_size(string file)
    {
        var (syntax, frame, geometry) = FirstFrame(file);
        // Every cut inside the headers up to the first scan's first bytes, then cuts spread over the entropy-coded data.
        var headers = Math.Min(frame.Length, FirstScanData(frame) + 8);
        var cuts = Enumerable.Range(0, headers).Concat(Enumerable.Range(1, 24).Select(i => frame.Length * i / 25)).Distinct();
        foreach (var cut in cuts)
        {
            DecodeOrCodecError(syntax, frame.AsSpan(0, cut), geometry, $"{file} cut at {cut}");
        }

        Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, frame.AsSpan(0, 2), geometry));
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void Corrupted_frames_give_a_codec_error_or_a_frame_of_the_declared_size(string file)
    {
        var (syntax, frame, geometry) = FirstFrame(file);
        var random = new Random(20261124);
        var headers = FirstScanData(frame);
        for (var round = 0; round < 160; round++)
        {
            var broken = (byte[])frame.Clone();
            // Half the rounds hit the headers (tables, frame and scan headers), half anywhere.
            var span = round % 2 == 0 ? headers : broken.Length;
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                broken[random.Next(span)] = (byte)random.Next(256);
            }

            DecodeOrCodecError(syntax, broken, geometry, $"{file} round {round}");
        }
    }

    [Theory]
    [InlineData("transfer-syntaxes/vlut_04_jpeg_baseline_gray.dcm")]
    [InlineData("transfer-syntaxes/MR_small_jpeg_lossless_p14_sv6.dcm")]
    [InlineData("transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm")]
    public void A_frame_header_claiming_a_huge_image_is_refused_before_any_allocation(string file)
    {
        var (syntax, frame, geometry) = FirstFrame(file);
        var sof = FindFrameHeader(frame);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(sof + 5), 65535); // lines
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(sof + 7), 65535); // samples per line
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, frame, geometry));
        Assert.Contains("65535", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16L * frame.Length + (1 << 20), "The refusal allocated in proportion to the claimed size.");
    }

    [Theory]
    [InlineData("transfer-syntaxes/vlut_04_jpeg_baseline_gray.dcm")]
    [InlineData("transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm")]
    public void A_frame_that_disagrees_with_Rows_and_Columns_names_both_sizes(string file)
    {
        var (syntax, frame, geometry) = FirstFrame(file);
        var error = Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, frame, geometry with { Rows = geometry.Rows + 1 }));
        Assert.Contains($"{geometry.Columns}×{geometry.Rows + 1}", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, frame, geometry with { SamplesPerPixel = 3 }));
        Assert.Contains("Samples per Pixel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_JPEG_LS_stream_labelled_as_JPEG_lossless_is_called_mislabelled()
    {
        var (_, frame, geometry) = FirstFrame("transfer-syntaxes/MR_small_jpeg_ls_lossless.dcm");
        var error = Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(DicomTransferSyntax.JPEGLosslessSV1, frame, geometry));
        Assert.Contains("JPEG-LS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.4.50")]
    [InlineData("1.2.840.10008.1.2.4.70")]
    [InlineData("1.2.840.10008.1.2.4.80")]
    public void Empty_and_foreign_frames_give_a_codec_error(string uid)
    {
        var syntax = DicomTransferSyntax.Lookup(uid);
        var geometry = new DicomFrameGeometry { Rows = 8, Columns = 8, BitsAllocated = 8, BitsStored = 8, PhotometricInterpretation = "MONOCHROME2" };
        Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, [], geometry));
        Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, new byte[64], geometry));
        Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, [0xFF, 0xD8, 0xFF, 0xD9], geometry));
        Assert.Throws<DicomCodecException>(() => DicomCodecs.DecodeFrame(syntax, Enumerable.Repeat((byte)0xFF, 4096).ToArray(), geometry));
    }

    [Fact]
    public void JPEG_2000_frames_are_named_as_not_supported()
    {
        var geometry = new DicomFrameGeometry { Rows = 8, Columns = 8, BitsAllocated = 8 };
        var error = Assert.Throws<DicomCodecNotSupportedException>(() => DicomCodecs.DecodeFrame(DicomTransferSyntax.Lookup("1.2.840.10008.1.2.4.90"), new byte[16], geometry));
        Assert.Contains("1.2.840.10008.1.2.4.90", error.Message, StringComparison.Ordinal);
    }

    private static void DecodeOrCodecError(DicomTransferSyntax syntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry, string what)
    {
        try
        {
            var decoded = DicomCodecs.DecodeFrame(syntax, frame, geometry);
            Assert.True(decoded.Pixels.Length == geometry.NativeFrameLength, $"{what}: {decoded.Pixels.Length} bytes decoded, {geometry.NativeFrameLength} expected.");
        }
        catch (DicomCodecException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), what);
        }
    }

    private static (DicomTransferSyntax Syntax, byte[] Frame, DicomFrameGeometry Geometry) FirstFrame(string file)
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile(file));
        var pixels = DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);
        return (dicom.TransferSyntax, pixels.ReadFrame(0), DicomFrameGeometry.FromDataset(dicom.Dataset));
    }

    /// <summary>The offset just past the first scan header (SOS), where entropy-coded data begins.</summary>
    private static int FirstScanData(byte[] frame)
    {
        var at = 2;
        while (at + 4 <= frame.Length && frame[at] == 0xFF)
        {
            var next = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at + 2));
            if (frame[at + 1] == 0xDA)
            {
                return Math.Min(next, frame.Length);
            }

            at = next;
        }

        throw new InvalidOperationException("No scan header found.");
    }

    /// <summary>The offset of the first SOFn (T.81) or SOF55 (T.87) marker, walking the marker segments from SOI.</summary>
    private static int FindFrameHeader(byte[] frame)
    {
        var at = 2;
        while (at + 4 <= frame.Length && frame[at] == 0xFF)
        {
            var marker = frame[at + 1];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC or 0xF7)
            {
                return at;
            }

            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at + 2));
        }

        throw new InvalidOperationException("No frame header found.");
    }
}
