using System.Buffers;

namespace Pacs.Imaging;

/// <summary>
/// Writes entropy-coded data: bits most significant first, a 0x00 stuffed after every 0xFF byte (T.81 F.1.2.3),
/// the last byte padded with 1-bits (F.1.2.3 too). Output goes through a pooled buffer to the stream.
/// </summary>
internal sealed class JpegBitWriter : IDisposable
{
    private const int BufferBytes = 32 * 1024;
    private readonly Stream _output;
    private readonly byte[] _buffer;
    private int _count;
    private ulong _bits;
    private int _bitCount;

    public JpegBitWriter(Stream output)
    {
        _output = output;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
    }

    /// <summary>Appends the low <paramref name="length"/> bits of <paramref name="value"/> (length 0..24).</summary>
    public void WriteBits(uint value, int length)
    {
        _bits = (_bits << length) | (value & ((1u << length) - 1));
        _bitCount += length;
        while (_bitCount >= 8)
        {
            _bitCount -= 8;
            var b = (byte)(_bits >> _bitCount);
            PutByte(b);
            if (b == 0xFF)
            {
                PutByte(0x00);
            }
        }
    }

    /// <summary>Completes the last byte with 1-bits, as before a marker or at the end of the scan.</summary>
    public void PadToByte()
    {
        if (_bitCount > 0)
        {
            WriteBits((1u << (8 - _bitCount)) - 1, 8 - _bitCount);
        }
    }

    /// <summary>Writes a marker (0xFF then <paramref name="code"/>) after padding to a byte boundary.</summary>
    public void WriteMarker(byte code)
    {
        PadToByte();
        PutByte(0xFF);
        PutByte(code);
    }

    /// <summary>Pads and hands everything buffered to the stream.</summary>
    public void Flush()
    {
        PadToByte();
        _output.Write(_buffer, 0, _count);
        _count = 0;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private void PutByte(byte b)
    {
        if (_count == BufferBytes)
        {
            _output.Write(_buffer, 0, _count);
            _count = 0;
        }

        _buffer[_count++] = b;
    }
}
