using System.Buffers;

namespace Pacs.Dicom;

/// <summary>
/// Decodes a value under ISO/IEC 2022 code extensions as DICOM uses them (PS3.5 6.1.2.4–6.1.2.5): an 8-bit code
/// with G0 invoked into 0x21–0x7E and G1 into 0xA0–0xFF, designations switched by escape sequences, and the initial
/// designations restored after each delimiter. Lenient: no byte is ever dropped; what cannot be interpreted is kept
/// as the Latin-1 character of the same value.
/// </summary>
internal static class Iso2022Decoder
{
    private const byte Esc = 0x1B;
    private const int StackLimit = 256;

    /// <param name="initialG0">The G0 set of value 1 of (0008,0005), in force at the start and after each delimiter.</param>
    /// <param name="initialG1">The G1 set of value 1, or null when value 1 designates none.</param>
    /// <param name="impliedG1">
    /// The set used for bytes 0xA0–0xFF when nothing is designated to G1: the first G1 set the data set declares.
    /// Writers that omit the escape sequence after a delimiter (or altogether) are common, and this reads them as meant.
    /// </param>
    public static string Decode(
        ReadOnlySpan<byte> bytes,
        DicomVR vr,
        GraphicCharacterSet initialG0,
        GraphicCharacterSet? initialG1,
        GraphicCharacterSet? impliedG1)
    {
        // Every byte yields at most one character, so the output never outgrows the input.
        char[]? rented = null;
        var output = bytes.Length <= StackLimit
            ? stackalloc char[StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            var length = DecodeInto(bytes, output, vr, initialG0, initialG1, impliedG1);
            return new string(output[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static int DecodeInto(
        ReadOnlySpan<byte> bytes,
        Span<char> output,
        DicomVR vr,
        GraphicCharacterSet initialG0,
        GraphicCharacterSet? initialG1,
        GraphicCharacterSet? impliedG1)
    {
        // PS3.5 6.1.2.5.3: the initial designations are in force again after the value delimiter (backslash) of every
        // VR that has multiple values, after '^' and '=' in PN, and after any control character other than ESC
        // (CR, LF, FF, TAB in text).
        var backslashDelimits = !vr.IsSingleValuedText();
        var isPersonName = vr == DicomVR.PN;

        var g0 = initialG0;
        var g1 = initialG1;
        var o = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == Esc)
            {
                if (GraphicCharacterSets.TryParseDesignation(bytes[i..], out var set, out var length))
                {
                    if (set.Element == CodeElement.G0)
                    {
                        g0 = set;
                    }
                    else
                    {
                        g1 = set;
                    }

                    i += length;
                    continue;
                }

                // An escape sequence no DICOM character set uses: keep its bytes as text.
                output[o++] = (char)b;
                i++;
                continue;
            }

            if (b < 0x20)
            {
                output[o++] = (char)b;
                g0 = initialG0;
                g1 = initialG1;
                i++;
                continue;
            }

            if (b == 0x20 || b == 0x7F || b is >= 0x80 and < 0xA0)
            {
                // SPACE and DEL stand outside G0 in ISO 2022; C1 controls have no place in DICOM text: kept as is.
                output[o++] = (char)b;
                i++;
                continue;
            }

            if (b < 0x80)
            {
                if (g0.IsDoubleByte)
                {
                    i += DecodePair(bytes, i, g0, 0x21, 0x7E, output, ref o);
                    continue;
                }

                var c = g0.Decode(b);
                c = c == SingleByteTables.Unassigned ? (char)b : c;
                output[o++] = c;

                // The delimiter is the character, not the byte: 05/14 is '^' in ISO-IR 6 but a katakana in ESC ( I.
                if ((c == '\\' && backslashDelimits) || (isPersonName && c is '^' or '='))
                {
                    g0 = initialG0;
                    g1 = initialG1;
                }

                i++;
                continue;
            }

            var right = g1 ?? impliedG1;
            if (right is null)
            {
                // Nothing in G1: the default repertoire read leniently as Latin-1 (no byte is lost).
                output[o++] = (char)b;
                i++;
            }
            else if (right.IsDoubleByte)
            {
                i += DecodePair(bytes, i, right, 0xA1, 0xFE, output, ref o);
            }
            else
            {
                var c = right.Decode(b & 0x7F);
                output[o++] = c == SingleByteTables.Unassigned ? (char)b : c;
                i++;
            }
        }

        return o;
    }

    /// <summary>Decodes the two-byte character at <paramref name="i"/>; returns how many bytes it consumed.</summary>
    private static int DecodePair(ReadOnlySpan<byte> bytes, int i, GraphicCharacterSet set, byte low, byte high, Span<char> output, ref int o)
    {
        var first = bytes[i];
        if (first < low || first > high || i + 1 >= bytes.Length || bytes[i + 1] < low || bytes[i + 1] > high)
        {
            // A lone byte where a pair should be (truncated or corrupt): kept as is.
            output[o++] = (char)first;
            return 1;
        }

        var second = bytes[i + 1];
        var c = set.Decode(first, second);
        if (c == SingleByteTables.Unassigned)
        {
            output[o++] = (char)first;
            output[o++] = (char)second;
        }
        else
        {
            output[o++] = c;
        }

        return 2;
    }
}
