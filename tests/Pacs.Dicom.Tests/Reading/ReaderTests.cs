using System.Buffers.Binary;
using System.Text;

namespace Pacs.Dicom.Tests.Reading;

public sealed class ReaderTests
{
    private static readonly DicomTag PixelData = new(0x7FE00010);
    private static readonly DicomTag Rows = new(0x00280010);
    private static readonly DicomTag PatientName = new(0x00100010);
    private static readonly DicomTag SopInstanceUid = new(0x00080018);

    [Theory]
    [InlineData("transfer-syntaxes/MR_small_implicit.dcm")]
    [InlineData("transfer-syntaxes/MR_small_bigendian.dcm")]
    [InlineData("transfer-syntaxes/MR_small_expb.dcm")]
    public void Same_image_in_another_uncompressed_syntax_reads_to_the_same_values(string file)
    {
        var reference = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small.dcm"), new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        var other = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });

        Assert.Equal(reference.Dataset.GetUInt16(Rows), other.Dataset.GetUInt16(Rows));
        Assert.Equal(reference.Dataset.GetString(PatientName), other.Dataset.GetString(PatientName));
        Assert.Equal(reference.Dataset[PixelData]!.Value.ToArray(), other.Dataset[PixelData]!.Value.ToArray());
    }

    [Fact]
    public void Deflated_file_reads_to_the_same_values_as_its_explicit_original()
    {
        var reference = DicomFile.Open(TestPaths.CorpusFile("valid/CT_small.dcm"), new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });
        var deflated = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/CT_small_deflate.dcm"));

        Assert.Equal(DicomTransferSyntax.DeflatedExplicitVRLittleEndian, deflated.TransferSyntax);
        Assert.Equal(reference.Dataset.GetString(SopInstanceUid), deflated.Dataset.GetString(SopInstanceUid));
        Assert.Equal(reference.Dataset[PixelData]!.Value.ToArray(), deflated.Dataset[PixelData]!.Value.ToArray());
        Assert.False(deflated.Dataset[PixelData]!.IsBulkData);
    }

    [Fact]
    public void Value_over_the_threshold_is_kept_as_a_reference_to_its_bytes_in_the_file()
    {
        var path = TestPaths.CorpusFile("valid/CT_small.dcm");
        var loaded = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue }).Dataset[PixelData]!;
        var referenced = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = 1000 }).Dataset[PixelData]!;

        Assert.True(referenced.IsBulkData);
        Assert.Equal(loaded.ValueOffset, referenced.BulkData!.Offset);
        Assert.Equal(loaded.Length, referenced.BulkData.Length);
        var bytes = File.ReadAllBytes(path).AsSpan((int)referenced.BulkData.Offset, (int)referenced.BulkData.Length).ToArray();
        Assert.Equal(loaded.Value.ToArray(), bytes);
        using var range = referenced.BulkData.Source!.OpenRange(referenced.BulkData.Offset, referenced.BulkData.Length);
        using var copy = new MemoryStream();
        range.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void Every_loaded_value_sits_at_its_recorded_offset()
    {
        var path = TestPaths.CorpusFile("non-image/rtplan.dcm");
        var file = File.ReadAllBytes(path);
        var dicom = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });

        var checkedValues = 0;
        void Check(DicomDataset dataset)
        {
            foreach (var element in dataset)
            {
                if (element is DicomSequence sq)
                {
                    foreach (var item in sq.Items)
                    {
                        Check(item);
                    }
                }
                else if (element.Length > 0)
                {
                    Assert.Equal(file.AsSpan((int)element.ValueOffset, element.Value.Length).ToArray(), element.Value.ToArray());
                    checkedValues++;
                }
            }
        }

        Check(dicom.Dataset);
        Assert.True(checkedValues > 5);
    }

    [Fact]
    public void Fragments_of_encapsulated_pixel_data_sit_at_their_recorded_offsets()
    {
        var path = TestPaths.CorpusFile("multiframe/OBXXXX1A_rle_2frame.dcm");
        var file = File.ReadAllBytes(path);
        var dicom = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });

        var pixels = Assert.IsType<DicomFragmentSequence>(dicom.Dataset[PixelData]);
        Assert.Equal(2, pixels.Fragments.Count);
        foreach (var fragment in pixels.Fragments)
        {
            Assert.Equal(0xFFFEE000u, (uint)((BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)fragment.ItemOffset)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)fragment.ItemOffset + 2))));
            Assert.Equal(file.AsSpan((int)fragment.ValueOffset, (int)fragment.Length).ToArray(), fragment.Data.ToArray());
        }
    }

    [Fact]
    public void Stop_before_pixel_data_reads_the_header_only()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("valid/CT_small.dcm"), new DicomReadOptions { StopBeforeTag = PixelData });

        Assert.False(dicom.Dataset.Contains(PixelData));
        Assert.True(dicom.Dataset.Contains(Rows));
        Assert.DoesNotContain(dicom.Dataset, e => e.Tag >= PixelData);
    }

    [Fact]
    public void Bare_implicit_data_set_without_meta_is_sniffed()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("dimse/worklist-queries/wlistqry0.dcm"));

        Assert.Equal(0, dicom.FileMetaInformation.Count);
        Assert.False(dicom.HasPreamble);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, dicom.TransferSyntax);
        Assert.True(dicom.Dataset.Count > 0);
    }

    [Fact]
    public void Bare_data_set_reads_with_a_given_transfer_syntax()
    {
        var file = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR_small_implicit.dcm"));
        var bytes = File.ReadAllBytes(TestPaths.CorpusFile("transfer-syntaxes/MR_small_implicit.dcm"));
        using var stream = new MemoryStream(bytes, (int)file.DatasetOffset, bytes.Length - (int)file.DatasetOffset);

        var dataset = DicomFile.ReadDataset(stream, DicomTransferSyntax.ImplicitVRLittleEndian);

        Assert.Equal(file.Dataset.GetString(PatientName), dataset.GetString(PatientName));
        Assert.Equal(file.Dataset.Count, dataset.Count);
    }

    [Fact]
    public void Value_length_beyond_the_input_is_refused_before_allocating()
    {
        // (0010,0010) PN claims 60000 bytes in a 20-byte input.
        var bytes = ExplicitLittleEndian((0x00100010, "PN", new byte[4]));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), 60000);

        var error = Assert.Throws<DicomReadException>(() => DicomFile.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(DicomReadError.Truncated, error.Error);
        Assert.Equal(new DicomTag(0x00100010), error.Tag);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void Deeply_nested_sequences_are_refused_with_a_limit_error()
    {
        // 100 nested undefined-length sequences, never closed.
        var stream = new MemoryStream();
        for (var i = 0; i < 100; i++)
        {
            stream.Write([0x08, 0x00, 0x15, 0x11, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
            stream.Write([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        }

        stream.Position = 0;
        var error = Assert.Throws<DicomReadException>(() => DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(DicomReadError.LimitExceeded, error.Error);
    }

    [Fact]
    public void Objects_over_2_GB_record_64_bit_offsets()
    {
        // Pixel Data of 2.5 GB (never materialised: a stream that yields zeros), then one private element after it.
        const long PixelLength = 2_500_000_000L;
        var header = ExplicitLittleEndian((0x00100010, "PN", Encoding.ASCII.GetBytes("Big^Object")));
        var pixelHeader = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(pixelHeader, 0x7FE0);
        BinaryPrimitives.WriteUInt16LittleEndian(pixelHeader.AsSpan(2), 0x0010);
        pixelHeader[4] = (byte)'O';
        pixelHeader[5] = (byte)'B';
        BinaryPrimitives.WriteUInt32LittleEndian(pixelHeader.AsSpan(8), (uint)PixelLength);
        var trailer = ExplicitLittleEndian((0x7FE10010, "LO", Encoding.ASCII.GetBytes("AFTER ")));
        using var stream = new SyntheticStream([header, pixelHeader], PixelLength, trailer);

        var dataset = DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian);

        var pixels = dataset[PixelData]!;
        Assert.True(pixels.IsBulkData);
        Assert.Equal(PixelLength, pixels.Length);
        var after = dataset[new DicomTag(0x7FE10010)]!;
        Assert.Equal(header.Length + pixelHeader.Length + PixelLength + 8, after.ValueOffset);
        Assert.Equal("AFTER", dataset.GetString(new DicomTag(0x7FE10010)));
    }

    private static byte[] ExplicitLittleEndian(params (uint Tag, string VR, byte[] Value)[] elements)
    {
        var stream = new MemoryStream();
        Span<byte> head = stackalloc byte[8];
        foreach (var (tag, vr, value) in elements)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head, (ushort)(tag >> 16));
            BinaryPrimitives.WriteUInt16LittleEndian(head[2..], (ushort)tag);
            head[4] = (byte)vr[0];
            head[5] = (byte)vr[1];
            BinaryPrimitives.WriteUInt16LittleEndian(head[6..], (ushort)value.Length);
            stream.Write(head);
            stream.Write(value);
        }

        return stream.ToArray();
    }

    /// <summary>Seekable stream of: some prefix blocks, then <c>zeros</c> zero bytes, then a suffix; nothing large is held.</summary>
    private sealed class SyntheticStream(byte[][] prefix, long zeros, byte[] suffix) : Stream
    {
        private readonly byte[] _prefix = prefix.SelectMany(b => b).ToArray();
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _prefix.Length + zeros + suffix.Length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, Length - _position);
            for (var i = 0; i < n; i++)
            {
                var p = _position + i;
                buffer[i] = p < _prefix.Length ? _prefix[p]
                    : p < _prefix.Length + zeros ? (byte)0
                    : suffix[p - _prefix.Length - zeros];
            }

            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            _position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
