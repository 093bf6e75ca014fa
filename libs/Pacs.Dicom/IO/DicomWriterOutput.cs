using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pacs.Dicom;

/// <summary>
/// The writer's one pooled buffer in front of the target stream. Headers and small values are gathered in it and written
/// in large blocks; bulk data is copied through it in chunks of at most <see cref="BufferBytes"/>, swapping bytes in place
/// when the byte order changes. Every method takes <c>useAsync</c> so one code path serves the synchronous and the
/// asynchronous API: when false, the returned tasks have always completed.
/// </summary>
internal sealed class DicomWriterOutput : IDisposable
{
    /// <summary>
    /// Size of the pooled buffer and of each bulk data chunk: below the large object heap threshold, and a multiple of 8
    /// so a chunk never splits a value of the widest swap unit (FD, OD, SV, UV, OV).
    /// </summary>
    public const int BufferBytes = 81920;

    private byte[]? _buffer;
    private int _used;

    public DicomWriterOutput(Stream target)
    {
        Target = target;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
    }

    /// <summary>Where flushed bytes go. Only change it right after <see cref="FlushAsync"/> (e.g. to a deflate stream).</summary>
    public Stream Target { get; set; }

    public CancellationToken CancellationToken { get; init; }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(DicomWriterOutput));

    private int Free => BufferBytes - _used;

    public bool HasRoom(int count) => Free >= count;

    /// <summary>Makes room for <paramref name="count"/> bytes (at most <see cref="BufferBytes"/>) in the buffer.</summary>
    public ValueTask EnsureAsync(int count, bool useAsync) => Free >= count ? default : FlushAsync(useAsync);

    /// <summary>Hands out the next <paramref name="count"/> bytes of the buffer; call <see cref="EnsureAsync"/> first.</summary>
    public Span<byte> Take(int count)
    {
        var span = Buffer.AsSpan(_used, count);
        _used += count;
        return span;
    }

    public ValueTask FlushAsync(bool useAsync)
    {
        if (_used == 0)
        {
            return default;
        }

        var count = _used;
        _used = 0;
        if (useAsync)
        {
            return Target.WriteAsync(Buffer.AsMemory(0, count), CancellationToken);
        }

        Target.Write(Buffer, 0, count);
        return default;
    }

    /// <summary>
    /// Writes an in-memory value. <paramref name="swapUnit"/> above 1 reverses the bytes of each unit of that size
    /// (little-endian memory to a big-endian target, PS3.5 7.3).
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> value, int swapUnit, bool useAsync)
    {
        if (value.Length <= Free)
        {
            var span = Take(value.Length);
            value.Span.CopyTo(span);
            Swap(span, swapUnit);
            return;
        }

        if (swapUnit <= 1)
        {
            // Too big to gather: send what is buffered, then the value straight from memory without a copy.
            await FlushAsync(useAsync).ConfigureAwait(false);
            if (useAsync)
            {
                await Target.WriteAsync(value, CancellationToken).ConfigureAwait(false);
            }
            else
            {
                Target.Write(value.Span);
            }

            return;
        }

        while (value.Length > 0)
        {
            await EnsureAsync(8, useAsync).ConfigureAwait(false);
            var count = Math.Min(value.Length, Free);
            if (count < value.Length)
            {
                count -= count % swapUnit;
            }

            var span = Take(count);
            value.Span[..count].CopyTo(span);
            Swap(span, swapUnit);
            value = value[count..];
        }
    }

    /// <summary>
    /// Copies exactly <paramref name="length"/> bytes from <paramref name="source"/> in chunks of at most
    /// <see cref="BufferBytes"/>, never holding more than one chunk. False when the source ended early.
    /// </summary>
    public async ValueTask<bool> CopyFromAsync(Stream source, long length, int swapUnit, bool useAsync)
    {
        await FlushAsync(useAsync).ConfigureAwait(false);
        var buffer = Buffer;
        while (length > 0)
        {
            var count = (int)Math.Min(length, BufferBytes);
            var read = useAsync
                ? await source.ReadAtLeastAsync(buffer.AsMemory(0, count), count, throwOnEndOfStream: false, CancellationToken).ConfigureAwait(false)
                : source.ReadAtLeast(buffer.AsSpan(0, count), count, throwOnEndOfStream: false);
            if (read < count)
            {
                return false;
            }

            Swap(buffer.AsSpan(0, count), swapUnit);
            if (useAsync)
            {
                await Target.WriteAsync(buffer.AsMemory(0, count), CancellationToken).ConfigureAwait(false);
            }
            else
            {
                Target.Write(buffer, 0, count);
            }

            length -= count;
        }

        return true;
    }

    /// <summary>Reverses each <paramref name="unit"/>-byte value in place; a trailing partial unit is left as it is.</summary>
    public static void Swap(Span<byte> span, int unit)
    {
        switch (unit)
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(span);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(span);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(span);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
