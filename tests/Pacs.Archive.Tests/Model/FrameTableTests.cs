using Pacs.Archive.Tests.Support;
using Pacs.Dicom;

namespace Pacs.Archive.Tests.Model;

public sealed class FrameTableTests
{
    [Fact]
    public void Native_frames_round_trip_through_the_compact_form_with_the_pixel_data_offsets()
    {
        byte[] part = TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), frames: 100);
        var file = DicomFile.Read(new MemoryStream(part));
        var pixels = DicomPixelData.FromDataset(file.Dataset, file.TransferSyntax);

        byte[] table = FrameTable.Build(file.Dataset, file.TransferSyntax, null, out string? warning)!;
        var frames = FrameTable.Decode(table);

        Assert.Null(warning);
        Assert.Equal(100, frames.Count);
        Assert.True(table.Length < 100 * 8, $"{table.Length} bytes for 100 frames");
        for (int i = 0; i < 100; i++)
        {
            var expected = pixels.GetFrameRanges(i);
            Assert.Equal(expected.Ranges, frames[i].Ranges);
            Assert.Equal(i + 1, frames[i].Number);
            Assert.Equal(expected.BitCount, frames[i].BitCount);
        }
    }

    [Fact]
    public void Encapsulated_frames_of_the_corpus_keep_their_fragment_ranges()
    {
        string folder = Pacs.Testing.TestLocations.Corpus;
        int checkedFiles = 0;
        foreach (string path in Directory.EnumerateFiles(Path.Combine(folder, "multiframe"), "*.dcm"))
        {
            var file = DicomFile.Open(path);
            if (!file.TransferSyntax.IsEncapsulated)
                continue;
            var pixels = DicomPixelData.FromDataset(file.Dataset, file.TransferSyntax);
            var frames = FrameTable.Decode(FrameTable.Build(file.Dataset, file.TransferSyntax, null, out _)!);
            Assert.Equal(pixels.NumberOfFrames, frames.Count);
            for (int i = 0; i < frames.Count; i++)
                Assert.Equal(pixels.GetFrameRanges(i).Ranges, frames[i].Ranges);
            checkedFiles++;
        }
        Assert.True(checkedFiles > 0, "no encapsulated multi-frame file in the corpus");
    }

    [Fact]
    public void Data_set_without_pixel_data_has_no_frame_table()
    {
        var ds = new DicomDataset();
        ds.Set(DicomTag.SOPInstanceUID, "1.2.3");

        Assert.Null(FrameTable.Build(ds, DicomTransferSyntax.ExplicitVRLittleEndian, null, out string? warning));
        Assert.Null(warning);
    }

    [Fact]
    public void Unknown_format_version_is_refused()
    {
        Assert.Throws<FormatException>(() => FrameTable.Decode([9, 0, 0]));
    }
}
