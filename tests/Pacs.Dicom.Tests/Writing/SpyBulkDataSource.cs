namespace Pacs.Dicom.Tests.Writing;

/// <summary>A bulk data source that records how it is read and can run a check when a range is opened.</summary>
internal sealed class SpyBulkDataSource(Func<long, long, Stream> open) : IDicomBulkDataSource
{
    public Action? OnOpen { get; init; }

    public int LargestRead { get; private set; }

    public long BytesRead { get; private set; }

    public int Opens { get; private set; }

    public Stream OpenRange(long offset, long length)
    {
        Opens++;
        OnOpen?.Invoke();
        return new Spy(open(offset, length), this);
    }

    private sealed class Spy(Stream inner, SpyBulkDataSource owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            owner.LargestRead = Math.Max(owner.LargestRead, buffer.Length);
            var n = inner.Read(buffer);
            owner.BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.LargestRead = Math.Max(owner.LargestRead, buffer.Length);
            var n = await inner.ReadAsync(buffer, cancellationToken);
            owner.BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
