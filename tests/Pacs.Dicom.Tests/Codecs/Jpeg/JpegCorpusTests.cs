using Pacs.Testing;

namespace Pacs.Dicom.Tests.Codecs.Jpeg;

/// <summary>
/// Every corpus file stored in a JPEG or JPEG-LS transfer syntax, decoded here and by DCMTK: lossless syntaxes must
/// agree sample for sample; lossy ones too (same integer IDCT, upsampling and colour conversion), within
/// <see cref="LossyTolerance"/> at most.
/// </summary>
public sealed class JpegCorpusTests
{
    /// <summary>Largest difference allowed per sample for lossy syntaxes (0: the decoders agree exactly).</summary>
    public const int LossyTolerance = 0;

    private static readonly string[] Syntaxes =
    [
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
    ];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadLines(TestPaths.CorpusFile("MANIFEST.tsv")).Skip(1))
        {
            var columns = line.Split('\t');
            if (columns.Length > 10 && Syntaxes.Contains(columns[10]))
            {
                data.Add(columns[0]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Decoded_frames_equal_the_DCMTK_decode(string file)
    {
        using var temp = new TempFolder();
        var path = TestPaths.CorpusFile(file);
        var twinPath = temp.File("twin.dcm");
        DicomFile dicom;
        try
        {
            dicom = DicomFile.Open(path);
        }
        catch (DicomException)
        {
            // Unreadable here (e.g. encapsulated pixel data without its delimiter): DCMTK must not decode it either.
            Assert.NotEqual(0, DcmtkReference.Decode(path, twinPath, DicomTransferSyntax.JPEGBaseline8Bit).ExitCode);
            return;
        }

        // The meta group names the pixel data's syntax even where the lenient reader had to read the data set another way.
        var metaSyntax = dicom.FileMetaInformation.GetString(DicomTag.TransferSyntaxUID);
        var syntax = metaSyntax is null ? dicom.TransferSyntax : DicomTransferSyntax.Lookup(metaSyntax);
        var reference = DcmtkReference.Decode(path, twinPath, syntax);
        if (!dicom.Dataset.Contains(DicomTag.PixelData))
        {
            Assert.Equal(0, reference.ExitCode); // nothing to decode on either side
            Assert.False(DicomFile.Open(twinPath).Dataset.Contains(DicomTag.PixelData));
            return;
        }

        var pixels = DicomPixelData.FromDataset(dicom.Dataset, syntax);
        var geometry = DicomFrameGeometry.FromDataset(dicom.Dataset);
        if (reference.ExitCode != 0 || !File.Exists(twinPath))
        {
            // DCMTK cannot read or decode it (a data set it cannot parse, or JPEG-LS of 7 bits its codec refuses). Ours must
            // either fail with a typed error or give samples that fit Bits Stored; nothing else can be checked.
            try
            {
                for (var i = 0; i < pixels.NumberOfFrames; i++)
                {
                    var frame = DicomCodecs.DecodeFrame(syntax, pixels.ReadFrame(i), geometry);
                    Assert.Equal(geometry.NativeFrameLength, frame.Pixels.Length);
                    Assert.True(MaxSample(frame.Pixels, geometry.BitsAllocated) < 1 << geometry.BitsStored, $"{file}: a sample exceeds Bits Stored {geometry.BitsStored}.");
                }
            }
            catch (DicomCodecException)
            {
            }

            return;
        }

        var worst = WorstDifferenceFromTwin(dicom.Dataset, syntax, twinPath);
        Assert.True(worst <= (syntax.IsLossy ? LossyTolerance : 0), $"{file}: samples differ from DCMTK's by up to {worst}.");
    }

    /// <summary>
    /// Decodes every frame of <paramref name="dataset"/> here and compares it with DCMTK's uncompressed twin: same frame
    /// count, same resulting Photometric Interpretation, same length; returns the largest difference of any sample.
    /// </summary>
    internal static int WorstDifferenceFromTwin(DicomDataset dataset, DicomTransferSyntax syntax, string twinPath)
    {
        var pixels = DicomPixelData.FromDataset(dataset, syntax);
        var geometry = DicomFrameGeometry.FromDataset(dataset);
        var twin = DicomFile.Open(twinPath);
        var twinPixels = DicomPixelData.FromDataset(twin.Dataset, twin.TransferSyntax);
        var twinPhotometric = (twin.Dataset.GetString(DicomTag.PhotometricInterpretation) ?? string.Empty).Trim();
        Assert.Equal(twinPixels.NumberOfFrames, pixels.NumberOfFrames);
        var worst = 0;
        for (var i = 0; i < pixels.NumberOfFrames; i++)
        {
            var ours = DicomCodecs.DecodeFrame(syntax, pixels.ReadFrame(i), geometry);
            Assert.Equal(twinPhotometric, ours.PhotometricInterpretation);
            var expected = ByPixel(twinPixels.ReadFrame(i), twinPixels, twinPixels.PlanarConfiguration);
            Assert.Equal(expected.Length, ours.Pixels.Length);
            worst = Math.Max(worst, MaxDifference(expected, ours.Pixels, geometry.BitsAllocated));
        }

        return worst;
    }

    /// <summary>A native frame re-laid colour by pixel, so frames of either planar configuration compare.</summary>
    internal static byte[] ByPixel(byte[] frame, DicomPixelData pixels, int planar)
    {
        if (planar == 0 || pixels.SamplesPerPixel == 1)
        {
            return frame;
        }

        var bytesPerSample = pixels.BitsAllocated / 8;
        var count = pixels.Rows * pixels.Columns;
        var n = pixels.SamplesPerPixel;
        var result = new byte[frame.Length];
        for (var s = 0; s < n; s++)
        {
            for (var i = 0; i < count; i++)
            {
                for (var b = 0; b < bytesPerSample; b++)
                {
                    result[(((i * n) + s) * bytesPerSample) + b] = frame[(((s * count) + i) * bytesPerSample) + b];
                }
            }
        }

        return result;
    }

    internal static int MaxSample(byte[] frame, int bitsAllocated)
    {
        var max = 0;
        for (var i = 0; i < frame.Length; i += bitsAllocated / 8)
        {
            max = Math.Max(max, bitsAllocated == 8 ? frame[i] : frame[i] | (frame[i + 1] << 8));
        }

        return max;
    }

    internal static int MaxDifference(byte[] expected, byte[] actual, int bitsAllocated)
    {
        var worst = 0;
        if (bitsAllocated == 8)
        {
            for (var i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }

            return worst;
        }

        for (var i = 0; i + 1 < expected.Length; i += 2)
        {
            var e = expected[i] | (expected[i + 1] << 8);
            var a = actual[i] | (actual[i + 1] << 8);
            worst = Math.Max(worst, Math.Abs(e - a));
        }

        return worst;
    }
}
