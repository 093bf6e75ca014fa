using System.Text;

namespace Pacs.Dicom.Tests.Text;

/// <summary>
/// Byte sequences written the way PS3.5 Annexes H–K print them: ASCII text, single byte values and the escape
/// sequences of PS3.3 Tables C.12-3 and C.12-4, spelled out here from the standard rather than taken from the code.
/// </summary>
internal static class Bytes
{
    public static readonly byte[] EscG0Ascii = [0x1B, 0x28, 0x42];       // ESC ( B   ISO-IR 6
    public static readonly byte[] EscG0JisRoman = [0x1B, 0x28, 0x4A];    // ESC ( J   ISO-IR 14
    public static readonly byte[] EscG1Katakana = [0x1B, 0x29, 0x49];    // ESC ) I   ISO-IR 13
    public static readonly byte[] EscG0JisX0208 = [0x1B, 0x24, 0x42];    // ESC $ B   ISO-IR 87
    public static readonly byte[] EscG0JisX0212 = [0x1B, 0x24, 0x28, 0x44]; // ESC $ ( D ISO-IR 159
    public static readonly byte[] EscG1KsX1001 = [0x1B, 0x24, 0x29, 0x43];  // ESC $ ) C ISO-IR 149
    public static readonly byte[] EscG1Gb2312 = [0x1B, 0x24, 0x29, 0x41];   // ESC $ ) A ISO-IR 58
    public static readonly byte[] EscG1Latin1 = [0x1B, 0x2D, 0x41];      // ESC - A   ISO-IR 100
    public static readonly byte[] EscG1Latin2 = [0x1B, 0x2D, 0x42];      // ESC - B   ISO-IR 101
    public static readonly byte[] EscG1Cyrillic = [0x1B, 0x2D, 0x4C];    // ESC - L   ISO-IR 144
    public static readonly byte[] EscG1Greek = [0x1B, 0x2D, 0x46];       // ESC - F   ISO-IR 126

    /// <summary>Concatenates strings (as ASCII), ints (one byte each) and byte arrays.</summary>
    public static byte[] Of(params object[] parts)
    {
        var result = new List<byte>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case string s:
                    result.AddRange(Encoding.ASCII.GetBytes(s));
                    break;
                case int b:
                    result.Add(checked((byte)b));
                    break;
                case byte[] bytes:
                    result.AddRange(bytes);
                    break;
                default:
                    throw new ArgumentException($"Unsupported part {part}");
            }
        }

        return [.. result];
    }

    /// <summary>Hex for assertion messages.</summary>
    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
