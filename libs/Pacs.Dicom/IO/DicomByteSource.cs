using System.Buffers;

namespace Pacs.Dicom;

/// <summary>
/// A forward-only buffered view of a stream that tracks the absolute position of every byte it hands out.
/// It never seeks backwards, so it works on non-seekable streams (an HTTP body, a socket, an inflater);
/// when the stream is seekable it can skip large values without reading them and knows how many bytes
/// remain, so a length that cannot fit is refused before anything is allocated.
/// </summary>
internal sealed class DicomByteSource : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _canSeek;
    private readonly long _streamLength;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _eof;
    private int _nextReadSize = 8 * 1024;

    public DicomByteSource(Stream stream, long startOffset = 0)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        _bufferOffset = startOffset;
        _canSeek = stream.CanSeek;
        if (_canSeek)
        {
            // Offsets are relative to where the caller's stream stood when reading began.
            _streamLength = startOffset + (stream.Length - stream.Position);
        }
    }

    /// <summary>Absolute position of the next byte.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Bytes left in the source, or null when the stream cannot tell.</summary>
    public long? Remaining => _canSeek ? _streamLength - Position : null;

    /// <summary>Bytes now in the buffer, starting at <see cref="Position"/>.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    public int BufferedCount => _end - _start;

    /// <summary>Makes at least <paramref name="count"/> bytes available; false when the source ends first.</summary>
    public bool Ensure(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        return Fill(count);
    }

    /// <summary>True when no byte is left.</summary>
    public bool AtEnd => _end == _start && !Fill(1);

    /// <summary>Consumes bytes that an earlier <see cref="Ensure"/> made available.</summary>
    public void Advance(int count)
    {
        if (count > _end - _start)
        {
            throw new InvalidOperationException($"Advance({count}) past the {_end - _start} buffered bytes: a missing Ensure.");
        }

        _start += count;
    }

    /// <summary>Looks at bytes that an earlier <see cref="Ensure"/> made available.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        if (count > _end - _start)
        {
            throw new InvalidOperationException($"Peek({count}) past the {_end - _start} buffered bytes: a missing Ensure.");
        }

        return _buffer.AsSpan(_start, count);
    }

    /// <summary>Copies exactly destination.Length bytes; false when the source ends first (some bytes may have been copied).</summary>
    public bool ReadExactly(Span<byte> destination)
    {
        var fromBuffer = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, fromBuffer).CopyTo(destination);
        _start += fromBuffer;
        destination = destination[fromBuffer..];
        while (destination.Length > 0)
        {
            if (destination.Length >= BufferSize)
            {
                // Large remainder: read straight into the destination, bypassing the buffer.
                var n = _stream.Read(destination);
                if (n <= 0)
                {
                    _eof = true;
                    return false;
                }

                _bufferOffset += n;
                destination = destination[n..];
                continue;
            }

            if (!Fill(destination.Length))
            {
                var have = _end - _start;
                _buffer.AsSpan(_start, have).CopyTo(destination);
                _start += have;
                return false;
            }

            _buffer.AsSpan(_start, destination.Length).CopyTo(destination);
            _start += destination.Length;
            destination = default;
        }

        return true;
    }

    /// <summary>Skips <paramref name="count"/> bytes, seeking when the stream allows; false when the source ends first.</summary>
    public bool Skip(long count)
    {
        var inBuffer = _end - _start;
        if (count <= inBuffer)
        {
            _start += (int)count;
            return true;
        }

        count -= inBuffer;
        _bufferOffset += _end;
        _start = 0;
        _end = 0;
        if (_canSeek)
        {
            var target = _bufferOffset + count;
            if (target > _streamLength)
            {
                _stream.Seek(0, SeekOrigin.End);
                _bufferOffset = _streamLength;
                _eof = true;
                return false;
            }

            _stream.Seek(count, SeekOrigin.Current);
            _bufferOffset = target;
            return true;
        }

        while (count > 0)
        {
            var n = _stream.Read(_buffer, 0, (int)Math.Min(count, _buffer.Length));
            if (n <= 0)
            {
                _eof = true;
                return false;
            }

            _bufferOffset += n;
            count -= n;
        }

        return true;
    }

    /// <summary>
    /// A stream of whatever follows <see cref="Position"/>: the buffered bytes, then the rest of the source.
    /// Used to hand the remainder of a file to an inflater (Deflated Explicit VR Little Endian).
    /// </summary>
    public Stream DetachRemainder()
    {
        var leftover = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end;
        return new PrefixedReadStream(leftover, _stream);
    }

    private bool Fill(int count)
    {
        if (count > _buffer.Length)
        {
            // Only element headers and small look-aheads come through here; values use ReadExactly.
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
            _buffer = bigger;
        }

        if (_start > 0)
        {
            var live = _end - _start;
            if (live > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
            }

            _bufferOffset += _start;
            _start = 0;
            _end = live;
        }

        while (_end < count && !_eof)
        {
            // Small first reads: a header parse that stops before Pixel Data needs a few KB, not the whole buffer.
            var n = _stream.Read(_buffer, _end, Math.Min(_buffer.Length - _end, Math.Max(_nextReadSize, count - _end)));
            _nextReadSize = Math.Min(_nextReadSize * 2, _buffer.Length);
            if (n <= 0)
            {
                _eof = true;
                break;
            }

            _end += n;
        }

        return _end >= count;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
