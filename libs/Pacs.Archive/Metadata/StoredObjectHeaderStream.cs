using System.Buffers;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// A stored object as a seekable, read-only stream for the header parser, without copying the object anywhere: the
/// first bytes (where a header lies) are read ahead asynchronously, the rest is read from the blob only when the parser
/// gets there. A seek over a large value (the parser skips bulk data when its source can seek) moves a position and
/// reads nothing: skipping Pixel Data at the end of an object costs no read at all, and an element that follows a large
/// value is read through a range request from its offset. The length is the blob's, so the parser refuses a value that
/// runs past the end exactly as it does on a file.
/// </summary>
internal sealed class StoredObjectHeaderStream : Stream
{
    /// <summary>Bytes read ahead: a typical CT/MR header (1–10 KB) with room to spare.</summary>
    internal const int PrefetchBytes = 16 * 1024;

    /// <summary>A forward gap up to this many bytes is read and dropped; a longer one reopens the blob at the new offset.</summary>
    internal const int DiscardLimitBytes = 64 * 1024;

    private readonly Func<long, CancellationToken, Task<BlobReadStream>> _openAt;
    private readonly CancellationToken _cancellationToken;
    private byte[] _prefix;
    private readonly int _prefixLength;
    private Stream? _inner;
    private long _innerPosition;
    private long _position;
    private bool _disposed;

    private StoredObjectHeaderStream(Func<long, CancellationToken, Task<BlobReadStream>> openAt, Stream? inner, byte[] prefix, int prefixLength,
        long length, CancellationToken cancellationToken)
    {
        _openAt = openAt;
        _inner = inner;
        _innerPosition = prefixLength;
        BytesRead = prefixLength;
        _prefix = prefix;
        _prefixLength = prefixLength;
        Length = length;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Times the blob was opened at an offset after the first open (for tests).</summary>
    internal int Reopens { get; private set; }

    /// <summary>Bytes read from the blob, read ahead and dropped over short gaps included (for tests).</summary>
    internal long BytesRead { get; private set; }

    /// <summary>
    /// Opens the blob through <paramref name="openAt"/> (offset 0: the whole blob; another offset: a range from there to
    /// the end) and reads its first bytes.
    /// </summary>
    public static async Task<StoredObjectHeaderStream> OpenAsync(Func<long, CancellationToken, Task<BlobReadStream>> openAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openAt);
        var opening = openAt(0, cancellationToken);
        // A store that opens synchronously is a local one (the file system store): its asynchronous read would be the
        // same blocking read (of the page cache, or of the disk for an image whose pages the store dropped after its put)
        // handed to a pool thread (its files are not opened for asynchronous I/O), one more thread wake-up per object for
        // nothing. Such a blob is read here, as the parser reads the rest of it anyway.
        bool local = opening.IsCompletedSuccessfully;
        var first = await opening.ConfigureAwait(false);
        byte[]? prefix = null;
        try
        {
            long size = first.BlobSizeBytes;
            prefix = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(size, 1), PrefetchBytes));
            int wanted = (int)Math.Min(size, PrefetchBytes);
            int read = local
                ? first.ReadAtLeast(prefix.AsSpan(0, wanted), wanted, throwOnEndOfStream: false)
                : await first.ReadAtLeastAsync(prefix.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            Stream? rest = first;
            if (read < wanted || read == size)
            {
                // The whole object is in memory (or it ended early, and then its length is what was read).
                size = read;
                if (local)
                    first.Dispose();
                else
                    await first.DisposeAsync().ConfigureAwait(false);
                rest = null;
            }

            var stream = new StoredObjectHeaderStream(openAt, rest, prefix, read, size, cancellationToken);
            prefix = null;
            return stream;
        }
        catch
        {
            if (prefix is not null)
                ArrayPool<byte>.Shared.Return(prefix);
            await first.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_position >= Length || buffer.IsEmpty)
            return 0;
        if (_position < _prefixLength)
        {
            int n = (int)Math.Min(buffer.Length, _prefixLength - _position);
            _prefix.AsSpan((int)_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        var inner = InnerAt(_position);
        int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, Length - _position)]);
        _position += read;
        _innerPosition += read;
        BytesRead += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        // Nothing is read here: a seek to the end (past trailing Pixel Data) never touches the blob again.
        _position = target;
        return target;
    }

    /// <summary>The blob stream positioned at <paramref name="position"/>: the open one read forward over a short gap, else reopened there.</summary>
    private Stream InnerAt(long position)
    {
        if (_inner is not null && position >= _innerPosition && position - _innerPosition <= DiscardLimitBytes)
        {
            Span<byte> scratch = stackalloc byte[4096];
            while (_innerPosition < position)
            {
                int n = _inner.Read(scratch[..(int)Math.Min(scratch.Length, position - _innerPosition)]);
                if (n <= 0)
                    break;
                _innerPosition += n;
                BytesRead += n;
            }

            if (_innerPosition == position)
                return _inner;
        }

        _inner?.Dispose();
        _inner = null;
        // The parser is synchronous; this runs only for an element after a value skipped mid-object, or a header longer
        // than the read-ahead, and a file system store opens synchronously anyway.
        _inner = _openAt(position, _cancellationToken).GetAwaiter().GetResult();
        _innerPosition = position;
        Reopens++;
        return _inner;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _inner?.Dispose();
            _inner = null;
            ArrayPool<byte>.Shared.Return(_prefix);
            _prefix = [];
        }

        base.Dispose(disposing);
    }
}
