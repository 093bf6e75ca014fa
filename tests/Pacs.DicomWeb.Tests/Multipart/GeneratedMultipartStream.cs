using System.Text;

namespace Pacs.DicomWeb.Tests.Multipart;

/// <summary>
/// A one-part multipart body generated as it is read: header, <c>bodyLength</c> bytes that repeat a random block,
/// close delimiter. It holds nothing but the block, so any memory growth while reading it is the reader's.
/// </summary>
internal sealed class GeneratedMultipartStream : Stream
{
    private readonly byte[] _head;
    private readonly byte[] _tail;
    private readonly long _bodyLength;
    private readonly long _length;
    private long _position;

    public GeneratedMultipartStream(string boundary, long bodyLength, byte[] block)
    {
        Block = block;
        _bodyLength = bodyLength;
        _head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n");
        _tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        _length = _head.Length + bodyLength + _tail.Length;
    }

    public byte[] Block { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length && _position < _length)
        {
            var target = buffer[written..];
            int n;
            if (_position < _head.Length)
            {
                n = Copy(_head.AsSpan((int)_position), target);
            }
            else if (_position < _head.Length + _bodyLength)
            {
                var bodyOffset = _position - _head.Length;
                var inBlock = (int)(bodyOffset % Block.Length);
                var left = _bodyLength - bodyOffset;
                n = Copy(Block.AsSpan(inBlock, (int)Math.Min(Block.Length - inBlock, left)), target);
            }
            else
            {
                n = Copy(_tail.AsSpan((int)(_position - _head.Length - _bodyLength)), target);
            }

            written += n;
            _position += n;
        }

        return written;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> target)
    {
        var n = Math.Min(source.Length, target.Length);
        source[..n].CopyTo(target);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
