using System.Buffers;

namespace Pacs.Dicom;

/// <summary>
/// Encodes text under ISO/IEC 2022 code extensions as DICOM requires (PS3.5 6.1.2.5.3): ASCII in the initial G0,
/// other characters in the first declared set that holds them (designated by its escape sequence when not already
/// in force), and the initial G0 restored before every delimiter, every control character and the end of the value.
/// For a Specific Character Set without code extensions the only sets are the initial ones, so no escape is written.
/// </summary>
internal static class Iso2022Encoder
{
    private const char Esc = '\u001B';

    /// <param name="candidates">The sets the data set declares, in the order of (0008,0005).</param>
    /// <param name="cannotEncode">Builds the exception for a character (at an index) that no set holds.</param>
    public static byte[] Encode(
        string text,
        DicomVR vr,
        GraphicCharacterSet initialG0,
        GraphicCharacterSet? initialG1,
        IReadOnlyList<GraphicCharacterSet> candidates,
        Func<string, int, Exception> cannotEncode)
    {
        var backslashDelimits = !vr.IsSingleValuedText();
        var isPersonName = vr == DicomVR.PN;
        var sink = new ByteSink(text.Length + 16);
        try
        {
            var g0 = initialG0;
            var g1 = initialG1;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c < 0x80)
                {
                    if (c == Esc)
                    {
                        // ESC only introduces designations (PS3.5 6.1.2.3); as text it would corrupt the state.
                        throw cannotEncode(c.ToString(), i);
                    }

                    // ASCII is always written in the initial G0 (ISO-IR 6, or ISO-IR 14 for ISO 2022 IR 13), which
                    // also puts the initial set in force before delimiters and control characters.
                    if (g0 != initialG0)
                    {
                        sink.Write(initialG0.Designation);
                        g0 = initialG0;
                    }

                    sink.Write((byte)c);
                    if (c < 0x20 || (c == '\\' && backslashDelimits) || (isPersonName && c is '^' or '='))
                    {
                        // PS3.5 6.1.2.5.3: after the delimiter the reader assumes the initial designations again.
                        g1 = initialG1;
                    }

                    continue;
                }

                int code;
                if (g1 is not null && g1.TryEncode(c, out code))
                {
                    WriteRight(ref sink, g1, code);
                    continue;
                }

                if (g0.IsDoubleByte && g0.TryEncode(c, out code))
                {
                    WriteLeft(ref sink, g0, code);
                    continue;
                }

                var set = FindSet(candidates, c, out code)
                    ?? throw cannotEncode(char.IsHighSurrogate(c) && i + 1 < text.Length ? text.Substring(i, 2) : c.ToString(), i);
                sink.Write(set.Designation);
                if (set.Element == CodeElement.G0)
                {
                    g0 = set;
                    WriteLeft(ref sink, set, code);
                }
                else
                {
                    g1 = set;
                    WriteRight(ref sink, set, code);
                }
            }

            if (g0 != initialG0)
            {
                sink.Write(initialG0.Designation);
            }

            return sink.ToArray();
        }
        finally
        {
            sink.Dispose();
        }
    }

    private static GraphicCharacterSet? FindSet(IReadOnlyList<GraphicCharacterSet> candidates, char c, out int code)
    {
        foreach (var set in candidates)
        {
            if (set.TryEncode(c, out code))
            {
                return set;
            }
        }

        code = 0;
        return null;
    }

    private static void WriteLeft(ref ByteSink sink, GraphicCharacterSet set, int code)
    {
        if (set.IsDoubleByte)
        {
            sink.Write((byte)(code >> 8));
        }

        sink.Write((byte)code);
    }

    private static void WriteRight(ref ByteSink sink, GraphicCharacterSet set, int code)
    {
        if (set.IsDoubleByte)
        {
            sink.Write((byte)((code >> 8) | 0x80));
        }

        sink.Write((byte)(code | 0x80));
    }

    /// <summary>A growable byte buffer over pooled arrays.</summary>
    private struct ByteSink : IDisposable
    {
        private byte[] _buffer;
        private int _length;

        public ByteSink(int capacity)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(capacity);
            _length = 0;
        }

        public void Write(byte value)
        {
            if (_length == _buffer.Length)
            {
                Grow(1);
            }

            _buffer[_length++] = value;
        }

        public void Write(ReadOnlySpan<byte> values)
        {
            if (_length + values.Length > _buffer.Length)
            {
                Grow(values.Length);
            }

            values.CopyTo(_buffer.AsSpan(_length));
            _length += values.Length;
        }

        public readonly byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        private void Grow(int needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
