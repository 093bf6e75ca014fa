namespace Pacs.Storage;

/// <summary>
/// A forward-only stream over a blob or a range of it, read from the store as it is consumed. It knows how many bytes
/// it will deliver (<see cref="Length"/>) and fails with <see cref="BlobStoreUnavailableException"/> if the store
/// delivers fewer, so a truncated transfer is never mistaken for the blob's end.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private long _position;
    private bool _disposed;

    internal BlobReadStream(string name, Stream inner, IDisposable? owner, long offset, long length, long blobSizeBytes,
        string contentType, string eTag)
    {
        Name = name;
        _inner = inner;
        _owner = owner;
        Offset = offset;
        Length = length;
        BlobSizeBytes = blobSizeBytes;
        ContentType = contentType;
        ETag = eTag;
    }

    /// <summary>The blob's name.</summary>
    public string Name { get; }

    /// <summary>Offset in the blob of the first byte of this stream.</summary>
    public long Offset { get; }

    /// <summary>Bytes this stream delivers.</summary>
    public override long Length { get; }

    /// <summary>Size of the whole blob.</summary>
    public long BlobSizeBytes { get; }

    /// <summary>MIME type stored with the blob.</summary>
    public string ContentType { get; }

    /// <summary>The blob's entity tag, quoted.</summary>
    public string ETag { get; }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;

    /// <summary>Bytes read so far.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("A blob read stream is forward-only.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int want = Want(buffer.Length);
        if (want == 0)
            return 0;
        int n;
        try
        {
            n = _inner.Read(buffer[..want]);
        }
        catch (Exception e) when (IsTransportFault(e))
        {
            throw Interrupted(e);
        }
        return Advance(n);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int want = Want(buffer.Length);
        if (want == 0)
            return 0;
        int n;
        try
        {
            n = await _inner.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFault(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Interrupted(e);
        }
        return Advance(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Want(int bufferLength) => (int)Math.Min(bufferLength, Length - _position);

    private int Advance(int n)
    {
        if (n == 0)
        {
            throw new BlobStoreUnavailableException(Name,
                $"Reading blob '{Name}' ended after {_position} of {Length} bytes (offset {Offset}).", null);
        }
        _position += n;
        return n;
    }

    private static bool IsTransportFault(Exception e) => e is IOException or HttpRequestException;

    private BlobStoreUnavailableException Interrupted(Exception e) =>
        new(Name, $"Reading blob '{Name}' failed after {_position} of {Length} bytes (offset {Offset}): {e.Message}", e);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A blob read stream is forward-only.");
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _inner.Dispose();
            _owner?.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _inner.DisposeAsync().ConfigureAwait(false);
            _owner?.Dispose();
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
