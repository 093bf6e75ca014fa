using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>The byte-level rules of PS3.5 the writer follows, checked on bare data sets and files built in memory.</summary>
public sealed class EncodingRulesTests
{
    private static byte[] Bare(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        using var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, dataset, syntax);
        return stream.ToArray();
    }

    [Fact]
    public void Odd_text_is_padded_with_a_space_and_odd_UI_with_a_NUL()
    {
        var ds = new DicomDataset();
        ds.Set(new DicomElement(new DicomTag(0x0008, 0x0018), DicomVR.UI, Encoding.ASCII.GetBytes("1.2.3")));
        ds.Set(new DicomElement(new DicomTag(0x0010, 0x0010), DicomVR.PN, Encoding.ASCII.GetBytes("Doe")));

        var bytes = Bare(ds, DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal(
            [0x08, 0x00, 0x18, 0x00, (byte)'U', (byte)'I', 6, 0, (byte)'1', (byte)'.', (byte)'2', (byte)'.', (byte)'3', 0,
             0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N', 4, 0, (byte)'D', (byte)'o', (byte)'e', (byte)' '],
            bytes);
    }

    [Fact]
    public void Big_endian_swaps_tags_lengths_and_each_value_by_its_VR_unit()
    {
        var ds = new DicomDataset();
        ds.SetTags(new DicomTag(0x0028, 0x0009), new DicomTag(0x0018, 0x1063));
        ds.SetValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)0x0102);
        ds.SetValues(new DicomTag(0x0040, 0x9225), DicomVR.FD, 1.0);
        ds.SetValues(new DicomTag(0x7FE0, 0x0010), DicomVR.OB, (byte)1, (byte)2);

        var bytes = Bare(ds, DicomTransferSyntax.ExplicitVRBigEndian);

        Assert.Equal(
            [0x00, 0x28, 0x00, 0x09, (byte)'A', (byte)'T', 0, 4, 0x00, 0x18, 0x10, 0x63,
             0x00, 0x28, 0x00, 0x10, (byte)'U', (byte)'S', 0, 2, 0x01, 0x02,
             0x00, 0x40, 0x92, 0x25, (byte)'F', (byte)'D', 0, 8, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
             0x7F, 0xE0, 0x00, 0x10, (byte)'O', (byte)'B', 0, 0, 0, 0, 0, 2, 1, 2],
            bytes);
    }

    [Fact]
    public void Implicit_VR_writes_a_32_bit_length_and_no_VR()
    {
        var ds = new DicomDataset();
        ds.SetValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)512);

        Assert.Equal([0x28, 0x00, 0x10, 0x00, 2, 0, 0, 0, 0x00, 0x02], Bare(ds, DicomTransferSyntax.ImplicitVRLittleEndian));
    }

    [Fact]
    public void Group_lengths_present_in_the_data_set_are_recomputed_and_absent_ones_are_not_added()
    {
        var ds = new DicomDataset();
        ds.SetValues(new DicomTag(0x0008, 0x0000), DicomVR.UL, 12345u);
        ds.Set(new DicomTag(0x0008, 0x0060), DicomVR.CS, "OT");
        ds.Set(new DicomTag(0x0008, 0x0070), DicomVR.LO, "ACME");
        ds.Set(new DicomTag(0x0010, 0x0010), DicomVR.PN, "Doe");

        var bytes = Bare(ds, DicomTransferSyntax.ExplicitVRLittleEndian);

        // (0008,0060) 8+2 and (0008,0070) 8+4; group 0010 has no group length and gets none.
        Assert.Equal(22u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(12 + 10 + 12 + 12, bytes.Length);
    }

    [Fact]
    public void Data_set_trailing_padding_is_dropped()
    {
        var ds = new DicomDataset();
        ds.Set(new DicomTag(0x0010, 0x0010), DicomVR.PN, "Doe");
        ds.Set(new DicomElement(WritingSamples.TrailingPadding, DicomVR.OB, new byte[100]));

        Assert.Equal(12, Bare(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_value_too_long_for_a_16_bit_length_is_written_as_little_endian_UN(bool bigEndian)
    {
        var values = Enumerable.Range(0, 40000).Select(i => (ushort)i).ToArray();
        var ds = new DicomDataset();
        ds.SetValues(new DicomTag(0x0028, 0x3006), DicomVR.US, values);
        var syntax = bigEndian ? DicomTransferSyntax.ExplicitVRBigEndian : DicomTransferSyntax.ExplicitVRLittleEndian;

        var bytes = Bare(ds, syntax);

        Assert.Equal((byte)'U', bytes[4]);
        Assert.Equal((byte)'N', bytes[5]);
        var length = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        Assert.Equal(80000u, length);

        // PS3.5 6.2.2: a UN value is little endian in every transfer syntax.
        Assert.Equal(39999, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(12 + (39999 * 2))));
        var back = DicomFile.ReadDataset(new MemoryStream(bytes), syntax, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        Assert.Equal(DicomVR.UN, back.Get(new DicomTag(0x0028, 0x3006))!.VR);
        Assert.Equal(ds.Get(new DicomTag(0x0028, 0x3006))!.Value.ToArray(), back.Get(new DicomTag(0x0028, 0x3006))!.Value.ToArray());
    }

    [Fact]
    public void Defined_lengths_of_sequences_and_items_are_recomputed_from_the_content()
    {
        var item = new DicomDataset { EncodedLength = 999 };
        item.Set(new DicomTag(0x0008, 0x1150), DicomVR.UI, "1.2");
        var ds = new DicomDataset();
        ds.Set(new DicomSequence(new DicomTag(0x0008, 0x1140), [item], undefinedLength: false) { EncodedLength = 5 });

        var bytes = Bare(ds, DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal(8u + 12, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(12 + 8 + 12, bytes.Length);
    }

    [Fact]
    public void Undefined_lengths_end_with_item_and_sequence_delimiters()
    {
        var ds = new DicomDataset();
        ds.Set(new DicomSequence(new DicomTag(0x0008, 0x1140), [new DicomDataset()], undefinedLength: true));

        var bytes = Bare(ds, DicomTransferSyntax.ImplicitVRLittleEndian);

        Assert.Equal(
            [0x08, 0x00, 0x40, 0x11, 0xFF, 0xFF, 0xFF, 0xFF,
             0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,
             0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0,
             0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0],
            bytes);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2")]
    public void The_encoded_length_is_the_number_of_bytes_written(string uid)
    {
        var syntax = WritingSamples.Syntax(uid);
        var ds = WritingSamples.Image(16, 16);

        Assert.Equal(Bare(ds, syntax).LongLength, DicomWriter.GetEncodedLength(ds, syntax));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.4.50")]
    public void The_file_length_is_the_number_of_bytes_written(string uid)
    {
        var ds = WritingSamples.Image();
        if (WritingSamples.Syntax(uid).IsEncapsulated)
        {
            ds.Set(new DicomFragmentSequence(WritingSamples.PixelData, DicomVR.OB, new DicomFragment(-1, 0, ReadOnlyMemory<byte>.Empty), [new DicomFragment(-1, 3, new byte[] { 1, 2, 3 })]));
        }

        var file = WritingSamples.File(ds, WritingSamples.Syntax(uid));

        Assert.Equal(WritingSamples.WriteToBytes(file).LongLength, DicomWriter.GetFileLength(file));
    }

    [Fact]
    public void The_file_length_of_a_deflated_file_is_unknown_before_compressing()
    {
        Assert.Null(DicomWriter.GetFileLength(WritingSamples.File(WritingSamples.Image(), DicomTransferSyntax.DeflatedExplicitVRLittleEndian)));
    }

    [Fact]
    public void Deflate_compresses_the_data_set_after_the_meta_group_as_raw_deflate_of_even_length()
    {
        var file = WritingSamples.File(WritingSamples.Image(), DicomTransferSyntax.ExplicitVRLittleEndian);
        var plain = WritingSamples.WriteToBytes(file);
        var deflated = WritingSamples.WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.DeflatedExplicitVRLittleEndian });
        var metaEnd = 132 + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(deflated.AsSpan(140));
        var plainMetaEnd = 132 + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(plain.AsSpan(140));

        Assert.Equal(0, deflated.Length & 1);
        using var inflater = new DeflateStream(new MemoryStream(deflated, metaEnd, deflated.Length - metaEnd), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        inflater.CopyTo(inflated);
        Assert.Equal(plain[plainMetaEnd..], inflated.ToArray());
    }

    [Fact]
    public void A_non_seekable_stream_receives_the_same_bytes_as_a_memory_stream()
    {
        var file = WritingSamples.File(WritingSamples.Image(64, 64), DicomTransferSyntax.ExplicitVRBigEndian);
        var expected = WritingSamples.WriteToBytes(file);
        using var sink = new MemoryStream();
        using var forwardOnly = new ForwardOnlyStream(sink);

        file.Write(forwardOnly);

        Assert.Equal(expected, sink.ToArray());
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.1.99")]
    public async Task Writing_asynchronously_gives_the_same_bytes_as_writing_synchronously(string uid)
    {
        var file = WritingSamples.File(WritingSamples.Image(300, 300), DicomTransferSyntax.ExplicitVRLittleEndian);
        var options = new DicomWriteOptions { TransferSyntax = WritingSamples.Syntax(uid) };
        var expected = WritingSamples.WriteToBytes(file, options);
        using var sink = new MemoryStream();
        using var forwardOnly = new ForwardOnlyStream(sink, allowSynchronousWrites: false);

        await file.WriteAsync(forwardOnly, options);

        Assert.Equal(expected, sink.ToArray());
    }

    [Fact]
    public void Elements_of_group_0002_in_the_data_set_move_to_the_meta_group()
    {
        var ds = WritingSamples.Image();
        ds.Set(new DicomTag(0x0002, 0x0016), DicomVR.AE, "MODALITY");
        var bytes = WritingSamples.WriteToBytes(WritingSamples.File(ds, DicomTransferSyntax.ExplicitVRLittleEndian));

        var back = WritingSamples.ReadBack(bytes);

        Assert.Equal("MODALITY", back.FileMetaInformation.GetString(new DicomTag(0x0002, 0x0016)));
        Assert.DoesNotContain(back.Dataset.Elements, e => e.Tag.Group == 0x0002);
    }

    [Fact]
    public void The_meta_group_is_rebuilt_and_keeps_the_elements_the_writer_does_not_own()
    {
        var meta = new DicomDataset();
        meta.SetValues(new DicomTag(0x0002, 0x0000), DicomVR.UL, 1u);
        meta.Set(new DicomTag(0x0002, 0x0002), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2");
        meta.Set(new DicomTag(0x0002, 0x0010), DicomVR.UI, "1.2.840.10008.1.2");
        meta.Set(new DicomTag(0x0002, 0x0012), DicomVR.UI, "1.2.3.4");
        meta.Set(new DicomTag(0x0002, 0x0013), DicomVR.SH, "OTHER_9");
        meta.Set(new DicomTag(0x0002, 0x0016), DicomVR.AE, "SENDER");
        meta.Set(new DicomTag(0x0002, 0x0100), DicomVR.UI, "1.2.3.99");
        var file = new DicomFile(meta, WritingSamples.Image()) { TransferSyntax = DicomTransferSyntax.ImplicitVRLittleEndian };

        var bytes = WritingSamples.WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRBigEndian });
        var back = WritingSamples.ReadBack(bytes).FileMetaInformation;

        Assert.Equal([0, 1], back.Get(new DicomTag(0x0002, 0x0001))!.Value.ToArray());
        Assert.Equal(WritingSamples.SopClassUid, back.GetString(new DicomTag(0x0002, 0x0002)));
        Assert.Equal(WritingSamples.SopInstanceUid, back.GetString(new DicomTag(0x0002, 0x0003)));
        Assert.Equal("1.2.840.10008.1.2.2", back.GetString(new DicomTag(0x0002, 0x0010)));
        Assert.Equal(DicomImplementation.ClassUid, back.GetString(new DicomTag(0x0002, 0x0012)));
        Assert.Equal(DicomImplementation.VersionName, back.GetString(new DicomTag(0x0002, 0x0013)));
        Assert.Equal("SENDER", back.GetString(new DicomTag(0x0002, 0x0016)));
        Assert.Equal("1.2.3.99", back.GetString(new DicomTag(0x0002, 0x0100)));

        // (0002,0000) counts every byte from the end of its own element to the start of the data set.
        var metaEnd = 132 + 12 + BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140));
        Assert.Equal(0x00, bytes[metaEnd]);
        Assert.Equal(0x08, bytes[metaEnd + 1]);
        Assert.True(bytes.AsSpan(0, 128).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal("DICM"u8.ToArray(), bytes[128..132]);
    }

    [Fact]
    public void The_SOP_UIDs_fall_back_to_the_existing_meta_group()
    {
        var ds = WritingSamples.Image();
        ds.Remove(WritingSamples.SopClass);
        var meta = new DicomDataset();
        meta.Set(new DicomTag(0x0002, 0x0002), DicomVR.UI, "1.2.840.10008.1.3.10");
        var back = WritingSamples.ReadBack(WritingSamples.WriteToBytes(new DicomFile(meta, ds)));

        Assert.Equal("1.2.840.10008.1.3.10", back.FileMetaInformation.GetString(new DicomTag(0x0002, 0x0002)));
    }

    [Fact]
    public void A_file_without_any_SOP_Instance_UID_is_refused_by_name()
    {
        var ds = WritingSamples.Image();
        ds.Remove(WritingSamples.SopInstance);

        var error = Assert.Throws<DicomException>(() => WritingSamples.WriteToBytes(WritingSamples.File(ds, DicomTransferSyntax.ExplicitVRLittleEndian)));

        Assert.Contains("(0002,0003)", error.Message, StringComparison.Ordinal);
        Assert.Contains("(0008,0018)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encapsulated_fragments_in_a_native_syntax_are_refused()
    {
        var ds = WritingSamples.Image();
        ds.Set(new DicomFragmentSequence(WritingSamples.PixelData, DicomVR.OB, new DicomFragment(-1, 0, ReadOnlyMemory<byte>.Empty), []));

        var error = Assert.Throws<DicomException>(() => Bare(ds, DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Contains("(7FE0,0010)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Native_pixel_data_in_an_encapsulated_syntax_is_refused()
    {
        var error = Assert.Throws<DicomException>(() => Bare(WritingSamples.Image(), DicomTransferSyntax.RLELossless));

        Assert.Contains("codec", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5")]
    [InlineData("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.90")]
    public void Transcoding_to_or_from_an_encapsulated_syntax_without_a_codec_is_refused(string from, string to)
    {
        var file = WritingSamples.File(WritingSamples.Image(), WritingSamples.Syntax(from));

        var error = Assert.Throws<DicomException>(() => WritingSamples.WriteToBytes(file, new DicomWriteOptions { TransferSyntax = WritingSamples.Syntax(to) }));

        Assert.Contains("PixelDataTranscoder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transcoding_to_an_encapsulated_syntax_goes_through_the_codec_hook()
    {
        var codec = new FakeRleCodec();
        var file = WritingSamples.File(WritingSamples.Image(), DicomTransferSyntax.ExplicitVRLittleEndian);

        var bytes = WritingSamples.WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.RLELossless, PixelDataTranscoder = codec });
        var back = WritingSamples.ReadBack(bytes);

        Assert.Equal(DicomTransferSyntax.RLELossless, back.TransferSyntax);
        var fragments = Assert.IsType<DicomFragmentSequence>(back.Dataset.Get(WritingSamples.PixelData));
        Assert.Equal([9, 9], fragments.Fragments[0].Data.ToArray());
        Assert.True(file.Dataset.Get(WritingSamples.PixelData) is not DicomFragmentSequence, "the source data set was changed");
    }

    [Fact]
    public void A_data_set_without_pixel_data_changes_between_encapsulated_and_native_syntaxes_without_a_codec()
    {
        var ds = WritingSamples.Image();
        ds.Remove(WritingSamples.PixelData);
        var file = WritingSamples.File(ds, DicomTransferSyntax.JPEGBaseline8Bit);

        var back = WritingSamples.ReadBack(WritingSamples.WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRLittleEndian }));

        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, back.TransferSyntax);
    }

    [Fact]
    public void Bulk_data_without_a_source_is_refused_before_anything_is_written()
    {
        var ds = WritingSamples.Image();
        ds.Set(new DicomElement(WritingSamples.PixelData, DicomVR.OW, new DicomBulkDataReference(1000, 32)));
        using var sink = new MemoryStream();

        var error = Assert.Throws<DicomException>(() => WritingSamples.File(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Write(sink));

        Assert.Contains("(7FE0,0010)", error.Message, StringComparison.Ordinal);
        Assert.Contains("BulkDataSource", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, sink.Length);
    }

    /// <summary>Stands in for the RLE codec: replaces native pixel data with one fragment.</summary>
    private sealed class FakeRleCodec : IDicomPixelDataTranscoder
    {
        public bool CanTranscode(DicomTransferSyntax source, DicomTransferSyntax target) => target == DicomTransferSyntax.RLELossless;

        public DicomDataset Transcode(DicomDataset dataset, DicomTransferSyntax source, DicomTransferSyntax target)
        {
            var copy = dataset.Clone();
            copy.Set(new DicomFragmentSequence(WritingSamples.PixelData, DicomVR.OB, new DicomFragment(-1, 0, ReadOnlyMemory<byte>.Empty), [new DicomFragment(-1, 2, new byte[] { 9, 9 })]));
            return copy;
        }
    }
}

/// <summary>The writer's cost does not grow with allocations per element (it serves WADO-RS).</summary>
public sealed class WriterAllocationTests
{
    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2")]
    public void Writing_ten_thousand_elements_allocates_no_memory_per_element(string uid)
    {
        var ds = new DicomDataset();
        for (ushort i = 1; i <= 5000; i++)
        {
            ds.Set(new DicomElement(new DicomTag(0x0011, i), DicomVR.US, new byte[] { 1, 2 }));
        }

        var items = Enumerable.Range(0, 2).Select(_ =>
        {
            var item = new DicomDataset();
            for (ushort i = 1; i <= 2500; i++)
            {
                item.Set(new DicomElement(new DicomTag(0x0013, i), DicomVR.LO, "abc"u8.ToArray()));
            }

            return item;
        });
        ds.Set(new DicomSequence(new DicomTag(0x0015, 0x0001), items, undefinedLength: false));
        var syntax = DicomTransferSyntax.Lookup(uid);
        DicomWriter.WriteDataset(Stream.Null, ds, syntax);
        var before = GC.GetAllocatedBytesForCurrentThread();

        DicomWriter.WriteDataset(Stream.Null, ds, syntax);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // One object per element would be at least 240 KB; a fixed 32 KB allowance absorbs one-off runtime costs
        // (a pool refill on a busy machine) without hiding per-element allocation.
        Assert.True(allocated < 32 * 1024, $"Writing 10 000 elements allocated {allocated} bytes.");
    }
}
