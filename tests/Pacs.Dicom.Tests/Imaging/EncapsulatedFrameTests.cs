using System.Buffers.Binary;
using static Pacs.Dicom.Tests.Imaging.ImageDatasets;

namespace Pacs.Dicom.Tests.Imaging;

public sealed class EncapsulatedFrameTests
{
    [Fact]
    public void Basic_offset_table_groups_fragments_into_frames()
    {
        // Frames of 2, 1 and 2 fragments; offsets count from the first fragment's item tag, 8 header bytes per item.
        byte[][] fragments = [Fragment(JpegStart, 10, 1), [2, 2, 2, 2], Fragment(JpegStart, 6, 3), Fragment(JpegStart, 8, 4), [5, 5]];
        var (file, pixels) = Encapsulate(BasicOffsets(0, 18 + 12, 18 + 12 + 14), fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 3);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset, DicomTransferSyntax.JPEGBaseline8Bit);

        Assert.True(pixelData.IsEncapsulated);
        Assert.Equal(DicomFrameBoundaries.BasicOffsetTable, pixelData.Boundaries);
        Assert.Empty(pixelData.Warnings);
        Assert.Equal(2, pixelData.GetFrameRanges(0).Ranges.Count);
        Assert.Single(pixelData.GetFrameRanges(1).Ranges);
        Assert.Equal(2, pixelData.GetFrameRanges(2).Ranges.Count);
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1]], fragments[2], [.. fragments[3], .. fragments[4]]]);
    }

    [Fact]
    public void Extended_offset_table_locates_frames_and_their_lengths()
    {
        // PS3.3 C.7.6.3.1.8: 64-bit offsets and lengths; the Basic Offset Table is empty. A frame's length may stop short of its fragment's padding.
        byte[][] fragments = [Fragment(J2kStart, 12, 1), Fragment(J2kStart, 20, 2)];
        var (file, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);
        dataset.SetValues(ExtendedOffsetTable, DicomVR.OV, Longs(0, 20));
        dataset.SetValues(ExtendedOffsetTableLengths, DicomVR.OV, Longs(11, 20));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.ExtendedOffsetTable, pixelData.Boundaries);
        var first = pixelData.GetFrameRanges(0);
        Assert.Equal(new DicomByteRange(pixels.Fragments[0].ValueOffset, 11), Assert.Single(first.Ranges));
        AssertRangesHoldTheFrame(file, pixelData, [fragments[0][..11], fragments[1]]);
    }

    [Fact]
    public void Extended_offset_table_in_bulk_data_is_read_from_the_source()
    {
        byte[][] fragments = [Fragment(J2kStart, 12, 1), Fragment(J2kStart, 20, 2)];
        var (_, pixels) = Encapsulate([], fragments);
        var tables = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan(8), 20);
        BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan(16), 12);
        BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan(24), 20);
        var source = new MemoryBulkDataSource(tables);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);
        dataset.Set(new DicomElement(ExtendedOffsetTable, DicomVR.OV, new DicomBulkDataReference(0, 16) { Source = source }));
        dataset.Set(new DicomElement(ExtendedOffsetTableLengths, DicomVR.OV, new DicomBulkDataReference(16, 16) { Source = source }));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.ExtendedOffsetTable, pixelData.Boundaries);
        Assert.Equal(fragments[1], pixelData.ReadFrame(1));
    }

    [Fact]
    public void Extended_offset_table_without_its_lengths_is_ignored_with_a_warning()
    {
        byte[][] fragments = [Fragment(J2kStart, 12, 1), Fragment(J2kStart, 20, 2)];
        var (_, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);
        dataset.SetValues(ExtendedOffsetTable, DicomVR.OV, Longs(0, 20));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.OneFragmentPerFrame, pixelData.Boundaries);
        Assert.Contains(pixelData.Warnings, w => w.Contains("Extended Offset Table Lengths (7FE0,0002)", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_table_each_fragment_is_a_frame_when_their_counts_match()
    {
        byte[][] fragments = [[1, 1], [2, 2, 2, 2], [3, 3]];
        var (file, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 3);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset, DicomTransferSyntax.RLELossless);

        Assert.Equal(DicomFrameBoundaries.OneFragmentPerFrame, pixelData.Boundaries);
        AssertRangesHoldTheFrame(file, pixelData, fragments);
    }

    [Fact]
    public void Without_a_table_a_single_frame_is_all_fragments()
    {
        byte[][] fragments = [Fragment(JpegStart, 6, 1), [2, 2, 2, 2], [3, 3, 0xFF, 0xD9, 0x00, 0x00]];
        var (file, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.AllFragmentsOneFrame, pixelData.Boundaries);
        Assert.Equal(3, pixelData.GetFrameRanges(0).Ranges.Count);
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1], .. fragments[2]]]);
    }

    [Fact]
    public void Without_a_table_fragments_are_grouped_at_JPEG_start_of_image_markers()
    {
        // The trailing 0x00 after EOI is padding to an even length; it stays in the frame (valid trailing bytes for JPEG).
        byte[][] fragments = [Fragment(JpegStart, 6, 1), [0x11, 0x11, 0xFF, 0xD9, 0x00, 0x00], Fragment(JpegStart, 4, 2), [0x22, 0x22], [0xFF, 0xD9, 0x00, 0x00]];
        var (file, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.FrameStartMarkers, pixelData.Boundaries);
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1]], [.. fragments[2], .. fragments[3], .. fragments[4]]]);
        Assert.Equal(0x00, pixelData.ReadFrame(1)[^1]);
    }

    [Theory]
    [InlineData("j2k")]
    [InlineData("jp2")]
    public void Without_a_table_fragments_are_grouped_at_JPEG_2000_starts(string kind)
    {
        var start = kind == "j2k" ? J2kStart : Jp2Start;
        byte[][] fragments = [Fragment(start, 14, 1), [7, 7], Fragment(start, 16, 2), [8, 8, 8, 8], Fragment(start, 14, 3)];
        var (file, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 3);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.FrameStartMarkers, pixelData.Boundaries);
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1]], [.. fragments[2], .. fragments[3]], fragments[4]]);
    }

    [Fact]
    public void Without_a_table_or_markers_the_frames_cannot_be_told_apart_and_the_error_says_why()
    {
        byte[][] fragments = [[1, 1], [2, 2], [3, 3]];
        var (_, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("3 fragments for 2 frames", error.Message, StringComparison.Ordinal);
        Assert.Contains("no offset table", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pixel Data (7FE0,0010)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_table_more_marker_starts_than_frames_is_an_error()
    {
        byte[][] fragments = [Fragment(JpegStart, 4, 1), Fragment(JpegStart, 4, 2), Fragment(JpegStart, 4, 3), [9, 9]];
        var (_, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("3 fragments start with a Jpeg marker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_fragments_than_frames_leaves_the_last_frames_missing_with_the_reason()
    {
        byte[][] fragments = [Fragment(JpegStart, 4, 1), Fragment(JpegStart, 4, 2)];
        var (_, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 4);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.False(pixelData.GetFrameRanges(1).IsMissing);
        var missing = pixelData.GetFrameRanges(2);
        Assert.True(missing.IsMissing);
        Assert.Contains("only 2 fragments", missing.MissingReason, StringComparison.Ordinal);
        Assert.Throws<DicomException>(() => pixelData.ReadFrame(3));
    }

    [Fact]
    public void Huge_number_of_frames_costs_nothing_and_the_frames_past_the_fragments_are_missing()
    {
        // Number of Frames comes from the header: nothing may be sized by it alone.
        byte[][] fragments = [Fragment(JpegStart, 4, 1), Fragment(JpegStart, 4, 2)];
        var (_, pixels) = Encapsulate([], fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: int.MaxValue);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(int.MaxValue, pixelData.NumberOfFrames);
        Assert.False(pixelData.GetFrameRanges(1).IsMissing);
        Assert.Contains("only 2 fragments", pixelData.GetFrameRanges(int.MaxValue - 1).MissingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Encapsulated_pixel_data_without_fragments_has_every_frame_missing()
    {
        var (_, pixels) = Encapsulate([], []);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Contains("no fragments", pixelData.GetFrameRanges(0).MissingReason, StringComparison.Ordinal);
        Assert.True(pixelData.GetFrameRanges(1).IsMissing);
    }

    [Fact]
    public void Basic_offset_table_that_points_between_items_is_ignored_with_a_warning()
    {
        byte[][] fragments = [Fragment(JpegStart, 10, 1), [2, 2], Fragment(JpegStart, 6, 3)];
        var (file, pixels) = Encapsulate(BasicOffsets(0, 19), fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.FrameStartMarkers, pixelData.Boundaries);
        Assert.Contains(pixelData.Warnings, w => w.Contains("offset 19", StringComparison.Ordinal));
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1]], fragments[2]]);
    }

    [Fact]
    public void Basic_offset_table_with_the_wrong_number_of_entries_is_ignored_with_a_warning()
    {
        byte[][] fragments = [[1, 1], [2, 2]];
        var (_, pixels) = Encapsulate(BasicOffsets(0, 10, 20), fragments);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.OneFragmentPerFrame, pixelData.Boundaries);
        Assert.Single(pixelData.Warnings);
    }

    [Fact]
    public void Basic_offset_table_past_4_GiB_wraps_and_is_still_followed()
    {
        // Three frames of one 3 GiB fragment each: the 32-bit offsets of frames 2 and 3 wrap (PS3.5 A.4 offsets are 32-bit).
        const long size = 3L << 30;
        var fragments = new List<DicomFragment>();
        long itemOffset = 1000;
        for (var i = 0; i < 3; i++)
        {
            fragments.Add(new DicomFragment(itemOffset, new DicomBulkDataReference(itemOffset + 8, size)));
            itemOffset += 8 + size;
        }

        var offsets = new[] { 0L, 8 + size, 2 * (8 + size) };
        var bot = BasicOffsets([.. offsets.Select(o => (uint)o)]);
        var pixels = new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, new DicomFragment(988, bot.Length, bot), fragments, 988);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 3);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.BasicOffsetTable, pixelData.Boundaries);
        Assert.Equal(new DicomByteRange(fragments[2].ValueOffset, size), Assert.Single(pixelData.GetFrameRanges(2).Ranges));
    }

    [Fact]
    public void Bulk_data_fragments_are_read_from_their_source_and_sniffed_for_markers()
    {
        byte[][] fragments = [Fragment(JpegStart, 6, 1), [0x11, 0x11], Fragment(JpegStart, 4, 2), [0x22, 0x22]];
        var (file, pixels) = Encapsulate([], fragments, asBulkData: true);
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(pixels);

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomFrameBoundaries.FrameStartMarkers, pixelData.Boundaries);
        AssertRangesHoldTheFrame(file, pixelData, [[.. fragments[0], .. fragments[1]], [.. fragments[2], .. fragments[3]]]);
    }

    [Fact]
    public void Bulk_data_fragments_without_a_source_cannot_be_sniffed_and_the_error_says_so()
    {
        var fragments = new List<DicomFragment>
        {
            new(400, new DicomBulkDataReference(408, 100)),
            new(508, new DicomBulkDataReference(516, 100)),
            new(616, new DicomBulkDataReference(624, 100)),
        };
        var dataset = Image(rows: 8, columns: 8, bitsAllocated: 8, frames: 2);
        dataset.Set(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, new DicomFragment(392, 0, ReadOnlyMemory<byte>.Empty), fragments, 392));

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("no bulk data source", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every frame's ranges, read from the file and joined, are the expected bytes, and so is ReadFrame.</summary>
    private static void AssertRangesHoldTheFrame(byte[] file, DicomPixelData pixelData, byte[][] expectedFrames)
    {
        Assert.Equal(expectedFrames.Length, pixelData.NumberOfFrames);
        for (var i = 0; i < expectedFrames.Length; i++)
        {
            var ranges = pixelData.GetFrameRanges(i);
            var joined = ranges.Ranges.SelectMany(r => file.AsSpan((int)r.Offset, (int)r.Length).ToArray()).ToArray();
            Assert.Equal(expectedFrames[i], joined);
            Assert.Equal(expectedFrames[i].Length, ranges.Length);
            Assert.Equal(expectedFrames[i], pixelData.ReadFrame(i));
        }
    }
}
