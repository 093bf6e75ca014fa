using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>Values left in their source are copied in bounded chunks, swapped when the byte order changes, never loaded whole.</summary>
public sealed class BulkDataCopyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pacs-writer-bulk-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_16_MB_value_is_copied_in_chunks_of_at_most_80_KiB_without_being_loaded()
    {
        var path = Path.Combine(_folder, "large.dcm");
        WritingSamples.File(WritingSamples.Image(2048, 4096), DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        var spy = new SpyBulkDataSource((offset, length) => new DicomFileBulkDataSource(path).OpenRange(offset, length));
        DicomFile file;
        using (var input = File.OpenRead(path))
        {
            file = DicomFile.Read(input, new DicomReadOptions { BulkDataThresholdBytes = 4096, BulkDataSource = spy });
        }

        Assert.True(file.Dataset.Get(WritingSamples.PixelData)!.IsBulkData);
        using var sink = new HashingSink();
        var before = GC.GetAllocatedBytesForCurrentThread();

        file.Write(sink);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1_000_000, $"Writing allocated {allocated} bytes for a 16 MB value.");
        Assert.Equal(2048L * 4096 * 2, spy.BytesRead);
        Assert.True(spy.LargestRead <= 81920, $"A read of {spy.LargestRead} bytes.");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(path)), sink.Hash());
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.2", "1.2.840.10008.1.2")]
    public void Bulk_data_is_swapped_while_copying_when_the_byte_order_changes(string from, string to)
    {
        var image = WritingSamples.Image(64, 64);
        var path = Path.Combine(_folder, "source.dcm");
        WritingSamples.File(image, WritingSamples.Syntax(from)).Save(path);
        var source = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        Assert.True(source.Dataset.Get(WritingSamples.PixelData)!.IsBulkData);

        var back = WritingSamples.ReadBack(
            WritingSamples.WriteToBytes(source, new DicomWriteOptions { TransferSyntax = WritingSamples.Syntax(to) }),
            new DicomReadOptions { BulkDataThresholdBytes = long.MaxValue });

        Assert.Equal(image.Get(WritingSamples.PixelData)!.Value.ToArray(), back.Dataset.Get(WritingSamples.PixelData)!.Value.ToArray());
    }

    [Fact]
    public void Bulk_data_whose_reference_has_no_source_is_read_from_the_options_source()
    {
        var image = WritingSamples.Image(64, 64);
        var path = Path.Combine(_folder, "source.dcm");
        WritingSamples.File(image, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        DicomFile source;
        using (var input = File.OpenRead(path))
        {
            source = DicomFile.Read(input, new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        }

        Assert.Null(source.Dataset.Get(WritingSamples.PixelData)!.BulkData!.Source);
        var bytes = WritingSamples.WriteToBytes(source, new DicomWriteOptions { BulkDataSource = new DicomFileBulkDataSource(path) });

        Assert.Equal(File.ReadAllBytes(path), bytes);
    }

    [Fact]
    public void A_bulk_data_source_that_ends_early_fails_naming_the_element()
    {
        var ds = WritingSamples.Image();
        var spy = new SpyBulkDataSource((_, _) => new MemoryStream(new byte[10]));
        ds.Set(new DicomElement(WritingSamples.PixelData, DicomVR.OW, new DicomBulkDataReference(0, 32) { Source = spy }));

        var error = Assert.Throws<DicomException>(() => WritingSamples.WriteToBytes(WritingSamples.File(ds, DicomTransferSyntax.ExplicitVRLittleEndian)));

        Assert.Contains("(7FE0,0010)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Padding_an_odd_fragment_moves_the_Basic_Offset_Table_entries_after_it()
    {
        var ds = WritingSamples.Image();
        var table = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4), 8 + 3);
        ds.Set(new DicomFragmentSequence(
            WritingSamples.PixelData,
            DicomVR.OB,
            new DicomFragment(-1, 8, table),
            [new DicomFragment(-1, 3, new byte[] { 1, 2, 3 }), new DicomFragment(-1, 4, new byte[] { 4, 5, 6, 7 })]));

        var back = WritingSamples.ReadBack(WritingSamples.WriteToBytes(WritingSamples.File(ds, DicomTransferSyntax.JPEGLosslessSV1)));

        var fragments = Assert.IsType<DicomFragmentSequence>(back.Dataset.Get(WritingSamples.PixelData));
        Assert.Equal([0u, 12u], fragments.GetBasicOffsets());
        Assert.Equal([1, 2, 3, 0], fragments.Fragments[0].Data.ToArray());
        Assert.Equal([4, 5, 6, 7], fragments.Fragments[1].Data.ToArray());
    }

    /// <summary>Hashes what is written and keeps nothing.</summary>
    private sealed class HashingSink : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public byte[] Hash() => _hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _hash.AppendData(buffer);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
