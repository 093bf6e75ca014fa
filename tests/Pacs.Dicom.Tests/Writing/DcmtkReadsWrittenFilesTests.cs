namespace Pacs.Dicom.Tests.Writing;

/// <summary>Files written in each transfer syntax are read by DCMTK, an independent implementation, with the values intact.</summary>
public sealed class DcmtkReadsWrittenFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pacs-writer-dcmtk-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string> Syntaxes => new()
    {
        { "1.2.840.10008.1.2", "Little Endian Implicit" },
        { "1.2.840.10008.1.2.1", "Little Endian Explicit" },
        { "1.2.840.10008.1.2.2", "Big Endian Explicit" },
        { "1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian" },
    };

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Dcmdump_reads_a_file_written_in_the_syntax_with_every_value_intact(string uid, string dcmtkName)
    {
        var path = Path.Combine(_folder, "image.dcm");
        WritingSamples.File(WritingSamples.Image(), DicomTransferSyntax.ExplicitVRLittleEndian)
            .Save(path, new DicomWriteOptions { TransferSyntax = WritingSamples.Syntax(uid) });

        var dump = Dcmtk.DumpClean(path, "+fo", "+L");

        Assert.Contains($"# Used TransferSyntax: {dcmtkName}", dump, StringComparison.Ordinal);
        Assert.Contains("(0002,0001) OB 00\\01", dump, StringComparison.Ordinal);
        Assert.Contains($"(0002,0002) UI =SecondaryCaptureImageStorage", dump, StringComparison.Ordinal);
        Assert.Contains($"(0002,0003) UI [{WritingSamples.SopInstanceUid}]", dump, StringComparison.Ordinal);
        Assert.Contains($"(0002,0012) UI [{DicomImplementation.ClassUid}]", dump, StringComparison.Ordinal);
        Assert.Contains("(0002,0013) SH [PACS_1]", dump, StringComparison.Ordinal);
        Assert.Contains("(0010,0010) PN [Müller^Jürgen]", dump, StringComparison.Ordinal);
        Assert.Contains("(0010,4000) LT [odd]", dump, StringComparison.Ordinal);
        Assert.Contains("(0020,0032) DS [-12.5\\30\\4.75]", dump, StringComparison.Ordinal);
        Assert.Contains("(0028,0009) AT (0018,1063)", dump, StringComparison.Ordinal);
        Assert.Contains("(0028,0010) US 4", dump, StringComparison.Ordinal);
        Assert.Contains("(0028,0101) US 12", dump, StringComparison.Ordinal);
        Assert.Contains("(0040,9225) FD 0.5", dump, StringComparison.Ordinal);
        Assert.Contains("(0008,1160) IS [1\\2]", dump, StringComparison.Ordinal);
        Assert.Contains("(7fe0,0010) OW 0000\\0025\\004a\\006f", dump, StringComparison.Ordinal);
        if (uid != "1.2.840.10008.1.2")
        {
            // Explicit VR keeps the VRs of the private elements, which implicit VR cannot carry.
            Assert.Contains("(0009,1002) SL -5\\70000", dump, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Dcmdump_finds_the_sequence_lengths_the_writer_computed(string uid, string dcmtkName)
    {
        _ = dcmtkName;
        var path = Path.Combine(_folder, "image.dcm");
        WritingSamples.File(WritingSamples.Image(), DicomTransferSyntax.ExplicitVRLittleEndian)
            .Save(path, new DicomWriteOptions { TransferSyntax = WritingSamples.Syntax(uid) });

        var dump = Dcmtk.DumpClean(path, "+fo", "+L");

        // A defined-length sequence and item, then an undefined-length sequence holding a defined- and an undefined-length item.
        Assert.Contains("(0040,9096) SQ (Sequence with explicit length #=1)", dump, StringComparison.Ordinal);
        Assert.Contains("(0008,1140) SQ (Sequence with undefined length #=2)", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e000) na (Item with explicit length #=3)", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e000) na (Item with undefined length #=1)", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e00d) na (ItemDelimitationItem)", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e0dd) na (SequenceDelimitationItem)", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Dcmdump_reads_encapsulated_fragments_passed_through_unchanged()
    {
        var dataset = WritingSamples.Image();
        dataset.Remove(WritingSamples.PixelData);
        var fragments = new[]
        {
            new DicomFragment(-1, 6, new byte[] { 0xFF, 0xD8, 1, 2, 3, 4 }),
            new DicomFragment(-1, 3, new byte[] { 5, 0xFF, 0xD9 }),
        };
        dataset.Set(new DicomFragmentSequence(WritingSamples.PixelData, DicomVR.OB, new DicomFragment(-1, 4, new byte[] { 0, 0, 0, 0 }), fragments));
        var path = Path.Combine(_folder, "jpeg.dcm");
        WritingSamples.File(dataset, DicomTransferSyntax.JPEGBaseline8Bit).Save(path);

        var dump = Dcmtk.DumpClean(path, "+fo", "+L");

        Assert.Contains("# Used TransferSyntax: JPEG Baseline", dump, StringComparison.Ordinal);
        Assert.Contains("(7fe0,0010) OB (PixelSequence #=3)", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e000) pi 00\\00\\00\\00", dump, StringComparison.Ordinal);
        Assert.Contains("(fffe,e000) pi ff\\d8\\01\\02\\03\\04", dump, StringComparison.Ordinal);

        // PS3.5 A.4: the odd fragment got one NUL so its item length is even.
        Assert.Contains("(fffe,e000) pi 05\\ff\\d9\\00", dump, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2", "-ti")]
    [InlineData("1.2.840.10008.1.2.1", "-te")]
    [InlineData("1.2.840.10008.1.2.2", "-tb")]
    public void Dcmdump_reads_a_bare_data_set_written_for_DIMSE(string uid, string dcmtkOption)
    {
        var path = Path.Combine(_folder, "bare.bin");
        using (var stream = File.Create(path))
        {
            DicomWriter.WriteDataset(stream, WritingSamples.Image(), WritingSamples.Syntax(uid));
        }

        var dump = Dcmtk.DumpClean(path, "-f", dcmtkOption, "+L");

        Assert.Contains("(0010,0020) LO [PID-0001]", dump, StringComparison.Ordinal);
        Assert.Contains("(0028,0011) US 4", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("(0002,", dump, StringComparison.Ordinal);
    }
}
