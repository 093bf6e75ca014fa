using System.Buffers;

namespace Pacs.Http.Multipart;

/// <summary>
/// The body of one part: reads from the shared pipe and ends (returns 0) in front of the next delimiter. It looks
/// no further ahead than the caller's buffer plus a delimiter, so memory is bounded by the read size.
/// </summary>
internal sealed class MultipartBodyStream : Stream
{
    private const int SkipBufferBytes = 16 * 1024;

    private readonly MultipartRelatedReader _owner;
    private readonly int _partIndex;
    private bool _ended;
    private long _position;

    public MultipartBodyStream(MultipartRelatedReader owner, int partIndex)
    {
        _owner = owner;
        _partIndex = partIndex;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("A multipart body's length is known only at its end.");

    /// <summary>Bytes read so far.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    internal void MarkEnded() => _ended = true;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_ended || destination.IsEmpty)
        {
            return 0;
        }

        var pipe = _owner.Pipe;
        var delimiterLength = _owner.Delimiter.Length;
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("The read of the multipart body was cancelled.");
            }

            var buffer = result.Buffer;

            // Look only as far as a delimiter that starts inside the caller's buffer could reach.
            var window = buffer.Slice(0, Math.Min(buffer.Length, destination.Length + (long)delimiterLength - 1));
            var found = MultipartSearch.IndexOf(window, _owner.Delimiter);
            if (found == 0)
            {
                _ended = true;
                pipe.AdvanceTo(buffer.Start);
                _owner.OnBodyEnded();
                return 0;
            }

            // Without a delimiter in view, the last delimiter-length-minus-one bytes may begin one; hold them back.
            var available = found > 0 ? found : window.Length - (delimiterLength - 1);
            if (available > 0)
            {
                var count = (int)Math.Min(available, destination.Length);
                window.Slice(0, count).CopyTo(destination.Span);
                pipe.AdvanceTo(buffer.GetPosition(count));
                _position += count;
                return count;
            }

            if (result.IsCompleted)
            {
                pipe.AdvanceTo(buffer.Start, buffer.End);
                throw _owner.Truncated(_partIndex, "inside the body");
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Synchronous reads block on the pipe. Kestrel forbids synchronous I/O on request bodies, so request handlers
    /// should read asynchronously; this exists for code that only has a synchronous Stream API.
    /// </summary>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads and discards the rest of the body.</summary>
    public async ValueTask SkipToEndAsync(CancellationToken cancellationToken)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(SkipBufferBytes);
        try
        {
            while (await ReadAsync(scratch.AsMemory(), cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
