namespace Pacs.Dicom.Tests.Writing;

/// <summary>
/// A write-only, non-seekable stream like a socket or an HTTP response body. With <c>allowSynchronousWrites</c> false it
/// refuses synchronous writes as Kestrel does, so an asynchronous writer that falls back to blocking calls is caught.
/// </summary>
internal sealed class ForwardOnlyStream(Stream inner, bool allowSynchronousWrites = true) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!allowSynchronousWrites)
        {
            throw new InvalidOperationException("Synchronous writes are not allowed on this stream.");
        }

        inner.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush()
    {
        if (!allowSynchronousWrites)
        {
            throw new InvalidOperationException("Synchronous flushes are not allowed on this stream.");
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
