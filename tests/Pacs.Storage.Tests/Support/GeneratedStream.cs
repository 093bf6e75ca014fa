using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pacs.Storage.Tests.Support;

/// <summary>
/// A non-seekable stream of <c>length</c> pseudo-random bytes made on the fly, so large uploads need no file and no
/// buffer of their size. Byte p is byte p%8 of SplitMix64(seed, p/8), so <see cref="Slice"/> recomputes any part for
/// checking ranges. It hashes what it hands out, so the expected SHA-256 is known at the end. Optionally it throws or
/// cancels a token once a given number of bytes has been handed out, to break an upload half-way.
/// </summary>
public sealed class GeneratedStream : Stream
{
    private readonly long _length;
    private readonly ulong _seed;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;
    private string? _sha256;

    public GeneratedStream(long length, ulong seed = 42)
    {
        _length = length;
        _seed = seed;
    }

    /// <summary>Throw <see cref="IOException"/> once this many bytes have been handed out.</summary>
    public long? FailAfterBytes { get; init; }

    /// <summary>Cancel <see cref="CancelSource"/> once this many bytes have been handed out.</summary>
    public long? CancelAfterBytes { get; init; }

    public CancellationTokenSource? CancelSource { get; init; }

    /// <summary>SHA-256 (lower-case hex) of everything handed out; read it after the stream was read to its end.</summary>
    public string Sha256 => _sha256 ??= Convert.ToHexStringLower(_sha.GetHashAndReset());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    /// <summary>Bytes <paramref name="offset"/>..+<paramref name="count"/> of a stream with <paramref name="seed"/>.</summary>
    public static byte[] Slice(long offset, int count, ulong seed = 42)
    {
        var bytes = new byte[count];
        Fill(bytes, offset, seed);
        return bytes;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (FailAfterBytes is { } fail && _position >= fail)
            throw new IOException($"Source failed on purpose after {_position} bytes.");
        if (CancelAfterBytes is { } cancel && _position >= cancel)
            CancelSource?.Cancel();
        long left = _length - _position;
        if (FailAfterBytes is { } f)
            left = Math.Min(left, f - _position);
        if (CancelAfterBytes is { } c && c > _position)
            left = Math.Min(left, c - _position);
        int n = (int)Math.Min(buffer.Length, left);
        if (n <= 0)
            return 0;
        var span = buffer[..n];
        Fill(span, _position, _seed);
        _sha.AppendData(span);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _sha.Dispose();
        base.Dispose(disposing);
    }

    private static void Fill(Span<byte> target, long offset, ulong seed)
    {
        Span<byte> word = stackalloc byte[8];
        int i = 0;
        while (i < target.Length)
        {
            long position = offset + i;
            int within = (int)(position & 7);
            if (within == 0 && target.Length - i >= 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(target.Slice(i, 8), Word(seed, position >> 3));
                i += 8;
                continue;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(word, Word(seed, position >> 3));
            int take = Math.Min(8 - within, target.Length - i);
            word.Slice(within, take).CopyTo(target.Slice(i, take));
            i += take;
        }
    }

    private static ulong Word(ulong seed, long index)
    {
        ulong z = seed + (ulong)(index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
