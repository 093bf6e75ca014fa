using System.Buffers.Binary;
using static Pacs.Dicom.Tests.Imaging.ImageDatasets;

namespace Pacs.Dicom.Tests.Imaging;

public sealed class NativeFrameTests
{
    [Fact]
    public void Native_frames_follow_each_other_from_the_value_offset()
    {
        var dataset = Image(rows: 4, columns: 5, bitsAllocated: 16, frames: 3);
        var pixels = Counting(3 * 4 * 5 * 2);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels, valueOffset: 1000));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.False(pixelData.IsEncapsulated);
        Assert.Equal(DicomFrameBoundaries.Native, pixelData.Boundaries);
        Assert.Equal(3, pixelData.NumberOfFrames);
        Assert.Equal(40, pixelData.FrameByteCount);
        for (var i = 0; i < 3; i++)
        {
            var ranges = pixelData.GetFrameRanges(i);
            Assert.False(ranges.IsMissing);
            Assert.Equal([new DicomByteRange(1000 + (i * 40), 40)], ranges.Ranges);
            Assert.Equal(0, ranges.FirstBitOffset);
            Assert.Equal(pixels.AsSpan(i * 40, 40).ToArray(), pixelData.ReadFrame(i));
        }
    }

    [Fact]
    public void Absent_number_of_frames_means_one_frame()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, Counting(4), valueOffset: 10));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(1, pixelData.NumberOfFrames);
        Assert.Equal(new DicomByteRange(10, 4), Assert.Single(pixelData.GetFrameRanges(0).Ranges));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Planar_configuration_changes_the_layout_inside_a_frame_not_its_extent(int planar)
    {
        var dataset = Image(rows: 3, columns: 3, bitsAllocated: 8, samples: 3, frames: 2, planar: planar, photometric: "RGB");
        var pixels = Counting(2 * 27);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, pixels, valueOffset: 500));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(planar, pixelData.PlanarConfiguration);
        Assert.Equal(27, pixelData.FrameByteCount);
        Assert.Equal(new DicomByteRange(527, 27), Assert.Single(pixelData.GetFrameRanges(1).Ranges));
        Assert.Equal(pixels[27..], pixelData.ReadFrame(1));
    }

    [Fact]
    public void One_bit_frames_that_start_inside_a_byte_give_first_byte_bit_offset_and_byte_count()
    {
        // 3 × 5 pixels = 15 bits per frame (PS3.5 8.1.1, 8.2): frame 2 starts at bit 15 = byte 1 bit 7, frame 3 at bit 30 = byte 3 bit 6 (6 + 15 bits span 3 bytes).
        var dataset = Image(rows: 3, columns: 5, bitsAllocated: 1, frames: 3);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[6], valueOffset: 100));

        var pixelData = DicomPixelData.FromDataset(dataset);
        var first = pixelData.GetFrameRanges(0);
        var second = pixelData.GetFrameRanges(1);
        var third = pixelData.GetFrameRanges(2);

        Assert.Equal(15, pixelData.FrameBitCount);
        Assert.Equal((new DicomByteRange(100, 2), 0, 15L), (first.Ranges[0], first.FirstBitOffset, first.BitCount));
        Assert.Equal((new DicomByteRange(101, 3), 7, 15L), (second.Ranges[0], second.FirstBitOffset, second.BitCount));
        Assert.Equal((new DicomByteRange(103, 3), 6, 15L), (third.Ranges[0], third.FirstBitOffset, third.BitCount));
    }

    [Fact]
    public void One_bit_frame_is_repacked_to_start_at_bit_zero()
    {
        const int rows = 3, columns = 7, frames = 5;
        var bits = new bool[rows * columns * frames];
        var random = new Random(7);
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = random.Next(2) == 1;
        }

        var dataset = Image(rows, columns, bitsAllocated: 1, frames: frames);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, PackBits(bits), valueOffset: 0));
        var pixelData = DicomPixelData.FromDataset(dataset);

        for (var f = 0; f < frames; f++)
        {
            var expected = PackBits(bits.AsSpan(f * rows * columns, rows * columns).ToArray());
            Assert.Equal(expected, pixelData.ReadFrame(f));
        }
    }

    [Fact]
    public void Repacking_a_range_read_gives_the_same_frame_as_ReadFrame()
    {
        var dataset = Image(rows: 5, columns: 5, bitsAllocated: 1, frames: 4);
        var file = Counting(200);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, file.AsMemory(50, 13), valueOffset: 50));
        var pixelData = DicomPixelData.FromDataset(dataset);

        for (var f = 0; f < 4; f++)
        {
            var ranges = pixelData.GetFrameRanges(f);
            var range = ranges.Ranges[0];
            var repacked = DicomPixelData.RepackBits(file.AsSpan((int)range.Offset, (int)range.Length), ranges.FirstBitOffset, ranges.BitCount);
            Assert.Equal(pixelData.ReadFrame(f), repacked);
        }
    }

    [Fact]
    public void RepackBits_clears_the_bits_past_the_frame_in_the_last_byte()
    {
        // Bits 3.. of 0xFF 0xFF: 10 bits wanted → 0xFF then 0b11 (the rest zero).
        Assert.Equal(new byte[] { 0xFF, 0x03 }, DicomPixelData.RepackBits([0xFF, 0xFF], 3, 10));
        Assert.Equal(new byte[] { 0b0000_0110 }, DicomPixelData.RepackBits([0b1010_1101], 1, 3));
        Assert.Throws<ArgumentException>(() => DicomPixelData.RepackBits([0xFF], 2, 7));
    }

    [Fact]
    public void Too_short_pixel_data_reports_the_incomplete_frames_as_missing_with_the_reason()
    {
        var dataset = Image(rows: 10, columns: 10, bitsAllocated: 8, frames: 4);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[250], valueOffset: 0));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.False(pixelData.GetFrameRanges(1).IsMissing);
        var third = pixelData.GetFrameRanges(2);
        Assert.True(third.IsMissing);
        Assert.Empty(third.Ranges);
        Assert.Contains("250 bytes", third.MissingReason, StringComparison.Ordinal);
        Assert.Contains("2 of the 4 frames", third.MissingReason, StringComparison.Ordinal);
        Assert.Contains("frame 3 is missing", third.MissingReason, StringComparison.Ordinal);
        Assert.True(pixelData.GetFrameRanges(3).IsMissing);
        var error = Assert.Throws<DicomException>(() => pixelData.ReadFrame(3));
        Assert.Contains("Pixel Data (7FE0,0010)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_number_of_frames_over_short_pixel_data_leaves_the_rest_missing()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8, frames: int.MaxValue);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[8], valueOffset: 0));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.False(pixelData.GetFrameRanges(1).IsMissing);
        Assert.True(pixelData.GetFrameRanges(int.MaxValue - 1).IsMissing);
    }

    [Fact]
    public void Image_attributes_too_large_for_a_frame_are_an_error_not_an_overflow()
    {
        var dataset = Image(rows: 65535, columns: 65535, bitsAllocated: 65535, samples: 65535);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[8], valueOffset: 0));

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("too large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bulk_data_frame_is_read_from_the_source_at_its_range()
    {
        var file = Counting(5000);
        var source = new MemoryBulkDataSource(file);
        var dataset = Image(rows: 10, columns: 10, bitsAllocated: 16, frames: 2);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, new DicomBulkDataReference(1234, 400) { Source = source }));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(new DicomByteRange(1434, 200), pixelData.GetFrameRanges(1).Ranges[0]);
        Assert.Equal(file.AsSpan(1434, 200).ToArray(), pixelData.ReadFrame(1));
        Assert.Equal(1, source.RangesOpened);
    }

    [Fact]
    public void Bulk_data_without_a_source_names_what_is_missing()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new DicomBulkDataReference(0, 4)));

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset).ReadFrame(0));

        Assert.Contains("no bulk data source", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, "OW")]
    [InlineData(16, "OB")]
    [InlineData(32, "OW")]
    [InlineData(32, "OB")]
    public void Big_endian_samples_are_served_little_endian_from_the_source_and_from_memory(int bitsAllocated, string vr)
    {
        // PS3.5 7.3: Explicit VR Big Endian stores each sample most significant byte first.
        var size = bitsAllocated / 8;
        var samples = new ulong[] { 0x0102030405060708, 0x1112131415161718, 0x2122232425262728, 0x3132333435363738 };
        var little = new byte[samples.Length * size];
        var big = new byte[samples.Length * size];
        for (var i = 0; i < samples.Length; i++)
        {
            var value = samples[i] & (size == 2 ? 0xFFFFUL : 0xFFFFFFFFUL);
            for (var b = 0; b < size; b++)
            {
                little[(i * size) + b] = (byte)(value >> (8 * b));
                big[(i * size) + size - 1 - b] = (byte)(value >> (8 * b));
            }
        }

        var dicomVR = vr == "OW" ? DicomVR.OW : DicomVR.OB;
        var fromSource = Image(rows: 2, columns: 1, bitsAllocated: bitsAllocated, frames: 2);
        fromSource.Set(new DicomElement(DicomTag.PixelData, dicomVR, new DicomBulkDataReference(0, big.Length, BigEndian: true) { Source = new MemoryBulkDataSource(big) }));

        // What the reader keeps in memory: the source bytes swapped per VR word (OW: 2 bytes, OB: none).
        var swappedByReader = (byte[])big.Clone();
        if (dicomVR == DicomVR.OW)
        {
            for (var i = 0; i < swappedByReader.Length; i += 2)
            {
                (swappedByReader[i], swappedByReader[i + 1]) = (swappedByReader[i + 1], swappedByReader[i]);
            }
        }

        var loaded = Image(rows: 2, columns: 1, bitsAllocated: bitsAllocated, frames: 2);
        loaded.Set(new DicomElement(DicomTag.PixelData, dicomVR, swappedByReader, valueOffset: 0));

        var sourcePixels = DicomPixelData.FromDataset(fromSource);
        var loadedPixels = DicomPixelData.FromDataset(loaded, DicomTransferSyntax.ExplicitVRBigEndian);

        Assert.True(sourcePixels.IsBigEndian);
        Assert.True(sourcePixels.GetFrameRanges(0).IsBigEndian);
        for (var f = 0; f < 2; f++)
        {
            var expected = little.AsSpan(f * 2 * size, 2 * size).ToArray();
            Assert.Equal(expected, sourcePixels.ReadFrame(f));
            Assert.Equal(expected, loadedPixels.ReadFrame(f));
        }
    }

    [Fact]
    public void Float_pixel_data_frames_are_sized_by_32_bit_samples()
    {
        var dataset = Image(rows: 2, columns: 3, bitsAllocated: 32, frames: 2);
        var values = new float[12];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i * 0.5f;
        }

        var bytes = new byte[48];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        dataset.Set(new DicomElement(DicomTag.FloatPixelData, DicomVR.OF, bytes, valueOffset: 80));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(DicomTag.FloatPixelData, pixelData.Tag);
        Assert.Equal(new DicomByteRange(104, 24), pixelData.GetFrameRanges(1).Ranges[0]);
        Assert.Equal(bytes[24..], pixelData.ReadFrame(1));
    }

    [Fact]
    public void Native_YBR_FULL_422_frame_holds_two_samples_per_pixel()
    {
        // PS3.3 C.7.6.3.1.2: Y1 Y2 Cb Cr for each pair of pixels.
        var dataset = Image(rows: 4, columns: 4, bitsAllocated: 8, samples: 3, frames: 2, photometric: "YBR_FULL_422");
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, Counting(64), valueOffset: 0));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Equal(32, pixelData.FrameByteCount);
        Assert.Equal(new DicomByteRange(32, 32), pixelData.GetFrameRanges(1).Ranges[0]);
    }

    [Fact]
    public void Missing_rows_is_an_error_that_names_the_attribute()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8);
        dataset.Remove(Rows);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[4], valueOffset: 0));

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("Rows (0028,0010) is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("many")]
    public void Number_of_frames_that_is_not_positive_is_an_error_that_names_the_attribute(string value)
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8);
        dataset.Set(NumberOfFrames, DicomVR.IS, value);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[4], valueOffset: 0));

        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(dataset));

        Assert.Contains("Number of Frames (0028,0008)", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_set_without_pixel_data_is_an_error()
    {
        var error = Assert.Throws<DicomException>(() => DicomPixelData.FromDataset(Image(rows: 2, columns: 2, bitsAllocated: 8)));

        Assert.Contains("no Pixel Data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_data_built_in_memory_has_no_ranges_but_its_frames_can_be_read()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8, frames: 2);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, Counting(8)));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.False(pixelData.HasSourceOffsets);
        var error = Assert.Throws<DicomException>(() => pixelData.GetFrameRanges(0));
        Assert.Contains("no recorded offset", error.Message, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, pixelData.ReadFrame(1));
    }

    [Fact]
    public void Deflated_data_set_has_no_ranges_in_the_stored_object()
    {
        var dataset = Image(rows: 2, columns: 2, bitsAllocated: 8);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, Counting(4), valueOffset: 400));

        var pixelData = DicomPixelData.FromDataset(dataset, DicomTransferSyntax.DeflatedExplicitVRLittleEndian);

        Assert.False(pixelData.HasSourceOffsets);
        var error = Assert.Throws<DicomException>(() => pixelData.GetFrameRanges(0));
        Assert.Contains("inflated", error.Message, StringComparison.Ordinal);
        Assert.Equal(Counting(4), pixelData.ReadFrame(0));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void Frame_index_outside_the_frames_is_refused(int index)
    {
        var dataset = Image(rows: 1, columns: 1, bitsAllocated: 8, frames: 2);
        dataset.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new byte[2], valueOffset: 0));

        var pixelData = DicomPixelData.FromDataset(dataset);

        Assert.Throws<ArgumentOutOfRangeException>(() => pixelData.GetFrameRanges(index));
        Assert.Throws<ArgumentOutOfRangeException>(() => pixelData.ReadFrame(index));
    }

    /// <summary>PS3.5 8.1.1: pixel i is bit i % 8 (least significant first) of byte i / 8.</summary>
    internal static byte[] PackBits(bool[] bits)
    {
        var bytes = new byte[(bits.Length + 7) / 8];
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        return bytes;
    }
}
