namespace Pacs.Dicom;

/// <summary>
/// The graphic character sets of PS3.3 Tables C.12-2 to C.12-4 and the escape sequences that designate them.
/// </summary>
internal static class GraphicCharacterSets
{
    private const byte Esc = 0x1B;

    /// <summary>ISO-IR 6 (ISO 646, US-ASCII) in G0: the default repertoire. ESC ( B.</summary>
    public static readonly SingleByteCharacterSet Ascii =
        SingleByteCharacterSet.From94("ISO-IR 6", CodeElement.G0, [Esc, 0x28, 0x42], code => (char)code);

    /// <summary>
    /// ISO-IR 14 (JIS X 0201 Romaji) in G0, the left half of ISO_IR 13. ESC ( J. It differs from ASCII only at 05/12
    /// (YEN SIGN) and 07/14 (OVERLINE); both are kept as ASCII's backslash and tilde, because PS3.5 6.1.2.3 makes the
    /// byte 05/12 the value delimiter "regardless of what glyph is used to enter or display this character".
    /// </summary>
    public static readonly SingleByteCharacterSet JisRoman =
        SingleByteCharacterSet.From94("ISO-IR 14", CodeElement.G0, [Esc, 0x28, 0x4A], code => (char)code);

    /// <summary>ISO-IR 13 (JIS X 0201 Katakana) in G1: 0xA1–0xDF are the half-width katakana U+FF61–U+FF9F. ESC ) I.</summary>
    public static readonly SingleByteCharacterSet JisKatakana =
        SingleByteCharacterSet.From94("ISO-IR 13", CodeElement.G1, [Esc, 0x29, 0x49], KatakanaOf);

    /// <summary>
    /// JIS X 0201 Katakana designated to G0 (ESC ( I). DICOM does not define it, but some Japanese writers use it; it
    /// is honoured when decoding and never produced.
    /// </summary>
    public static readonly SingleByteCharacterSet JisKatakanaInG0 =
        SingleByteCharacterSet.From94("ISO-IR 13 (G0)", CodeElement.G0, [Esc, 0x28, 0x49], KatakanaOf);

    // PS3.3 Table C.12-3: the 96-character sets designated to G1 with ESC 02/13 and a final byte.
    public static readonly SingleByteCharacterSet Latin1 = SingleByteCharacterSet.From96("ISO-IR 100", 0x41, Latin1UpperHalf());
    public static readonly SingleByteCharacterSet Latin2 = SingleByteCharacterSet.From96("ISO-IR 101", 0x42, SingleByteTables.Latin2);
    public static readonly SingleByteCharacterSet Latin3 = SingleByteCharacterSet.From96("ISO-IR 109", 0x43, SingleByteTables.Latin3);
    public static readonly SingleByteCharacterSet Latin4 = SingleByteCharacterSet.From96("ISO-IR 110", 0x44, SingleByteTables.Latin4);
    public static readonly SingleByteCharacterSet Cyrillic = SingleByteCharacterSet.From96("ISO-IR 144", 0x4C, SingleByteTables.Cyrillic);
    public static readonly SingleByteCharacterSet Arabic = SingleByteCharacterSet.From96("ISO-IR 127", 0x47, SingleByteTables.Arabic);
    public static readonly SingleByteCharacterSet Greek = SingleByteCharacterSet.From96("ISO-IR 126", 0x46, SingleByteTables.Greek);
    public static readonly SingleByteCharacterSet Hebrew = SingleByteCharacterSet.From96("ISO-IR 138", 0x48, SingleByteTables.Hebrew);
    public static readonly SingleByteCharacterSet Latin5 = SingleByteCharacterSet.From96("ISO-IR 148", 0x4D, SingleByteTables.Latin5);
    public static readonly SingleByteCharacterSet Latin9 = SingleByteCharacterSet.From96("ISO-IR 203", 0x62, SingleByteTables.Latin9);
    public static readonly SingleByteCharacterSet Thai = SingleByteCharacterSet.From96("ISO-IR 166", 0x54, SingleByteTables.Thai);

    /// <summary>
    /// ISO-IR 87, JIS X 0208 in G0 (ESC $ B), read through code page 20932 (EUC-JP with the JIS mapping of
    /// WAVE DASH etc.). Rows 0x21–0x28 and 0x30–0x74 are JIS X 0208; the code page's vendor rows are not produced.
    /// Microsoft's mappings of six symbols are accepted when encoding.
    /// </summary>
    public static readonly DoubleByteCharacterSet JisX0208 = new(
        "ISO-IR 87",
        CodeElement.G0,
        [Esc, 0x24, 0x42],
        codePage: 20932,
        trailHasHighBit: true,
        isStandardRow: row => row is (>= 0x21 and <= 0x28) or (>= 0x30 and <= 0x74),
        corrections: [],
        encodeAliases: [('\uFF5E', 0x2141), ('\u2225', 0x2142), ('\uFF0D', 0x215D), ('\uFFE0', 0x2171), ('\uFFE1', 0x2172), ('\uFFE2', 0x224C)]);

    /// <summary>
    /// ISO-IR 159, JIS X 0212 (supplementary kanji) in G0 (ESC $ ( D), read through code page 20932, which holds it as
    /// a high-bit first byte and a 7-bit second byte. The code page lacks 0x2237 TILDE and 0x2271 NUMERO SIGN.
    /// </summary>
    public static readonly DoubleByteCharacterSet JisX0212 = new(
        "ISO-IR 159",
        CodeElement.G0,
        [Esc, 0x24, 0x28, 0x44],
        codePage: 20932,
        trailHasHighBit: false,
        isStandardRow: row => row is >= 0x22 and <= 0x6D,
        corrections: [(0x2237, '~'), (0x2271, '\u2116')],
        encodeAliases: []);

    /// <summary>
    /// ISO-IR 149, KS X 1001 in G1 (ESC $ ) C), read through code page 949 (code page 51949 maps cell 0x3453 wrongly;
    /// 949 agrees with the published table on every KS X 1001 cell).
    /// </summary>
    public static readonly DoubleByteCharacterSet KsX1001 = new(
        "ISO-IR 149",
        CodeElement.G1,
        [Esc, 0x24, 0x29, 0x43],
        codePage: 949,
        trailHasHighBit: true,
        isStandardRow: _ => true,
        corrections: [],
        encodeAliases: []);

    /// <summary>
    /// ISO-IR 58, GB 2312 in G1 (ESC $ ) A), read through code page 20936 and corrected to the GB 18030 mapping of
    /// 0x2124 MIDDLE DOT, 0x212A EM DASH and 0x212C DOUBLE VERTICAL LINE, so that a name decodes to the same text
    /// under ISO 2022 IR 58 and under GB18030. The older mappings of the first two are accepted when encoding.
    /// </summary>
    public static readonly DoubleByteCharacterSet Gb2312 = new(
        "ISO-IR 58",
        CodeElement.G1,
        [Esc, 0x24, 0x29, 0x41],
        codePage: 20936,
        trailHasHighBit: true,
        isStandardRow: _ => true,
        corrections: [(0x2124, '\u00B7'), (0x212A, '\u2014'), (0x212C, '\u2016')],
        encodeAliases: [('\u30FB', 0x2124), ('\u2015', 0x212A)]);

    /// <summary>
    /// Reads the designation escape sequence at the start of <paramref name="sequence"/> (which begins with ESC).
    /// Beyond DICOM's own sequences it accepts the older JIS X 0208 designations ESC $ @ and ESC $ ( B, and JIS X 0201
    /// Katakana in G0, which writers in the wild emit.
    /// </summary>
    public static bool TryParseDesignation(ReadOnlySpan<byte> sequence, out GraphicCharacterSet set, out int length)
    {
        set = Ascii;
        length = 0;
        if (sequence.Length < 3 || sequence[0] != Esc)
        {
            return false;
        }

        GraphicCharacterSet? found = (sequence[1], sequence[2]) switch
        {
            (0x28, 0x42) => Ascii,              // ESC ( B
            (0x28, 0x4A) => JisRoman,           // ESC ( J
            (0x28, 0x49) => JisKatakanaInG0,    // ESC ( I
            (0x29, 0x49) => JisKatakana,        // ESC ) I
            (0x24, 0x42) or (0x24, 0x40) => JisX0208, // ESC $ B, ESC $ @
            (0x2D, var final) => NinetySixSetOf(final),
            _ => null,
        };
        if (found is not null)
        {
            set = found;
            length = 3;
            return true;
        }

        if (sequence.Length < 4 || sequence[1] != 0x24)
        {
            return false;
        }

        found = (sequence[2], sequence[3]) switch
        {
            (0x28, 0x44) => JisX0212,                 // ESC $ ( D
            (0x28, 0x42) or (0x28, 0x40) => JisX0208, // ESC $ ( B, ESC $ ( @
            (0x29, 0x43) => KsX1001,                  // ESC $ ) C
            (0x29, 0x41) => Gb2312,                   // ESC $ ) A
            _ => null,
        };
        if (found is null)
        {
            return false;
        }

        set = found;
        length = 4;
        return true;
    }

    private static SingleByteCharacterSet? NinetySixSetOf(byte final) => final switch
    {
        0x41 => Latin1,
        0x42 => Latin2,
        0x43 => Latin3,
        0x44 => Latin4,
        0x4C => Cyrillic,
        0x47 => Arabic,
        0x46 => Greek,
        0x48 => Hebrew,
        0x4D => Latin5,
        0x62 => Latin9,
        0x54 => Thai,
        _ => null,
    };

    private static char KatakanaOf(int code) =>
        code is >= 0x21 and <= 0x5F ? (char)(0xFF61 + code - 0x21) : SingleByteTables.Unassigned;

    private static string Latin1UpperHalf() => string.Create(96, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)(0xA0 + i);
        }
    });
}
