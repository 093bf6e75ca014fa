using Pacs.Dicom.Tests.Imaging;

namespace Pacs.Dicom.Tests.Codecs;

/// <summary>The RLE codec behind the writer, checked against DCMTK's own RLE encoder and decoder.</summary>
public sealed class RleTranscoderTests
{
    private static readonly DicomWriteOptions ToRle = new()
    {
        TransferSyntax = DicomTransferSyntax.RLELossless,
        PixelDataTranscoder = new RleTranscoder(),
        FlushToDisk = false,
    };

    private static readonly DicomWriteOptions ToExplicit = new()
    {
        TransferSyntax = DicomTransferSyntax.ExplicitVRLittleEndian,
        PixelDataTranscoder = new RleTranscoder(),
        FlushToDisk = false,
    };

    [Theory]
    [InlineData("transfer-syntaxes/MR_small.dcm")]
    [InlineData("transfer-syntaxes/MR_small_expb.dcm")]
    [InlineData("multiframe/emri_small.dcm")]
    [InlineData("multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_16bit_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_32bit_2frame.dcm")]
    [InlineData("multiframe/rtdose_expb.dcm")]
    [InlineData("pixel-formats/color-pl.dcm")]
    [InlineData("valid/CT_small.dcm")]
    public void Our_RLE_is_decoded_by_DCMTK_to_the_original_pixels(string file)
    {
        using var directory = new TempDirectory();
        var original = DicomFile.Open(TestPaths.CorpusFile(file));
        var compressed = directory.File("rle.dcm");
        var decompressed = directory.File("native.dcm");

        original.Save(compressed, ToRle);
        PydicomFrames.Run("dcmdrle", [compressed, decompressed], TimeSpan.FromMinutes(1));

        var ours = Pixels(DicomFile.Open(compressed));
        Assert.True(ours.IsEncapsulated);
        Assert.Equal(DicomFrameBoundaries.BasicOffsetTable, ours.Boundaries);
        AssertSameFrames(Pixels(original), Pixels(DicomFile.Open(decompressed)));
    }

    [Theory]
    [InlineData("transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/emri_small.dcm")]
    [InlineData("multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_32bit_2frame.dcm")]
    [InlineData("pixel-formats/color-pl.dcm")]
    [InlineData("valid/CT_small.dcm")]
    public void DCMTK_RLE_is_decoded_by_us_to_the_original_pixels(string file)
    {
        using var directory = new TempDirectory();
        var compressed = directory.File("dcmtk-rle.dcm");
        var decompressed = directory.File("ours.dcm");

        PydicomFrames.Run("dcmcrle", [TestPaths.CorpusFile(file), compressed], TimeSpan.FromMinutes(1));
        DicomFile.Open(compressed).Save(decompressed, ToExplicit);

        var original = Pixels(DicomFile.Open(TestPaths.CorpusFile(file)));
        var dcmtk = Pixels(DicomFile.Open(compressed));
        Assert.True(dcmtk.IsEncapsulated);
        for (var i = 0; i < original.NumberOfFrames; i++)
        {
            var planar = dcmtk.SamplesPerPixel > 1 && dcmtk.PlanarConfiguration == 1;
            var decoded = RleCodec.Decode(dcmtk.ReadFrame(i), dcmtk.Rows, dcmtk.Columns, dcmtk.SamplesPerPixel, dcmtk.BitsAllocated, planar);
            Assert.Equal(Interleaved(original, original.ReadFrame(i)), Interleaved(dcmtk, decoded));
        }

        AssertSameFrames(original, Pixels(DicomFile.Open(decompressed)), byPixel: true);
    }

    [Theory]
    [InlineData("multiframe/liver.dcm")]
    [InlineData("multiframe/liver_nonbyte_aligned.dcm")]
    public void One_bit_frames_go_to_RLE_and_back_to_the_same_packed_bits(string file)
    {
        var original = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        var transcoder = new RleTranscoder();

        var rle = transcoder.Transcode(original.Dataset, original.TransferSyntax, DicomTransferSyntax.RLELossless);
        var native = transcoder.Transcode(rle, DicomTransferSyntax.RLELossless, DicomTransferSyntax.ExplicitVRLittleEndian);

        var originalBytes = original.Dataset[DicomTag.PixelData]!.Value.ToArray();
        var roundTrip = native[DicomTag.PixelData]!.Value.ToArray();
        Assert.Equal(originalBytes.Length, roundTrip.Length);
        Assert.Equal(originalBytes, roundTrip);
    }

    [Fact]
    public void RLE_file_of_the_corpus_is_written_uncompressed_with_the_pixels_of_its_native_original()
    {
        using var directory = new TempDirectory();
        var output = directory.File("native.dcm");

        DicomFile.Open(TestPaths.CorpusFile("multiframe/emri_small_RLE.dcm")).Save(output, ToExplicit);

        var written = DicomFile.Open(output, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        var original = DicomFile.Open(TestPaths.CorpusFile("multiframe/emri_small.dcm"), new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, written.TransferSyntax);
        Assert.Equal(original.Dataset[DicomTag.PixelData]!.Value.ToArray(), written.Dataset[DicomTag.PixelData]!.Value.ToArray());
        Assert.Equal(DicomVR.OW, written.Dataset[DicomTag.PixelData]!.VR);
    }

    [Fact]
    public void Transcoding_leaves_the_input_data_set_unchanged()
    {
        var original = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small.dcm"));
        var before = original.Dataset[DicomTag.PixelData];

        var rle = new RleTranscoder().Transcode(original.Dataset, original.TransferSyntax, DicomTransferSyntax.RLELossless);

        Assert.Same(before, original.Dataset[DicomTag.PixelData]);
        Assert.IsType<DicomFragmentSequence>(rle[DicomTag.PixelData]);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5", true)]
    [InlineData("1.2.840.10008.1.2", "1.2.840.10008.1.2.5", true)]
    [InlineData("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.5", true)]
    [InlineData("1.2.840.10008.1.2.5", "1.2.840.10008.1.2.1", true)]
    [InlineData("1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.50", false)]
    [InlineData("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.90", false)]
    [InlineData("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1", false)]
    public void Transcodes_only_between_uncompressed_syntaxes_and_RLE(string source, string target, bool expected)
    {
        Assert.Equal(expected, new RleTranscoder().CanTranscode(DicomTransferSyntax.Lookup(source), DicomTransferSyntax.Lookup(target)));
    }

    [Fact]
    public void Subsampled_YBR_FULL_422_is_refused_with_the_reason()
    {
        var ybr = DicomFile.Open(TestPaths.CorpusFile("pixel-formats/SC_ybr_full_422_uncompressed.dcm"));

        var error = Assert.Throws<DicomException>(() => new RleTranscoder().Transcode(ybr.Dataset, ybr.TransferSyntax, DicomTransferSyntax.RLELossless));

        Assert.Contains("YBR_FULL_422", error.Message, StringComparison.Ordinal);
    }

    private static DicomPixelData Pixels(DicomFile file) => DicomPixelData.FromDataset(file.Dataset, file.TransferSyntax);

    private static void AssertSameFrames(DicomPixelData expected, DicomPixelData actual, bool byPixel = false)
    {
        Assert.Equal(expected.NumberOfFrames, actual.NumberOfFrames);
        for (var i = 0; i < expected.NumberOfFrames; i++)
        {
            var e = expected.ReadFrame(i);
            var a = actual.ReadFrame(i);
            Assert.Equal(byPixel ? Interleaved(expected, e) : e, byPixel ? Interleaved(actual, a) : a);
        }
    }

    /// <summary>A colour-by-plane frame reordered by pixel (Planar Configuration 1 → 0), so that either layout compares.</summary>
    private static byte[] Interleaved(DicomPixelData pixels, byte[] frame)
    {
        if (pixels.SamplesPerPixel == 1 || pixels.PlanarConfiguration == 0)
        {
            return frame;
        }

        var size = pixels.BitsAllocated / 8;
        var count = pixels.Rows * pixels.Columns;
        var result = new byte[frame.Length];
        for (var p = 0; p < count; p++)
        {
            for (var s = 0; s < pixels.SamplesPerPixel; s++)
            {
                Array.Copy(frame, ((s * count) + p) * size, result, ((p * pixels.SamplesPerPixel) + s) * size, size);
            }
        }

        return result;
    }

    private sealed class TempDirectory : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("pacs-rle-");

        public string File(string name) => Path.Combine(_directory.FullName, name);

        public void Dispose() => _directory.Delete(recursive: true);
    }
}
