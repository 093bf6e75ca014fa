using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>PS3.5 Annex H: Japanese person names with ISO 2022 code extensions.</summary>
public sealed class JapaneseTests
{
    private const string YamadaTarou = "Yamada^Tarou=山田^太郎=やまだ^たろう";
    private const string YamadaTarouKatakana = "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう";

    // JIS X 0208 codes (row/cell + 0x20): 山 3B33, 田 4544, 太 4240, 郎 4F3A,
    // や 2464, ま 245E, だ 2440, た 243F, ろ 246D, う 2426.
    private static readonly byte[] Yamada = [0x3B, 0x33, 0x45, 0x44];
    private static readonly byte[] Tarou = [0x42, 0x40, 0x4F, 0x3A];
    private static readonly byte[] YamadaKana = [0x24, 0x64, 0x24, 0x5E, 0x24, 0x40];
    private static readonly byte[] TarouKana = [0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26];

    // PS3.5 H.3.1: value 1 empty (ISO-IR 6), JIS X 0208 designated to G0 and ISO-IR 6 restored before each delimiter.
    private static readonly byte[] AnnexH31 = Of(
        "Yamada^Tarou=",
        EscG0JisX0208, Yamada, EscG0Ascii, "^", EscG0JisX0208, Tarou, EscG0Ascii, "=",
        EscG0JisX0208, YamadaKana, EscG0Ascii, "^", EscG0JisX0208, TarouKana, EscG0Ascii);

    // PS3.5 H.3.2: value 1 ISO 2022 IR 13 (JIS X 0201 Romaji in G0, half-width katakana in G1, no escape needed),
    // so ESC ( J restores the initial G0. ﾔ D4, ﾏ CF, ﾀ C0, ﾞ DE, ﾛ DB, ｳ B3.
    private static readonly byte[] AnnexH32 = Of(
        0xD4, 0xCF, 0xC0, 0xDE, "^", 0xC0, 0xDB, 0xB3, "=",
        EscG0JisX0208, Yamada, EscG0JisRoman, "^", EscG0JisX0208, Tarou, EscG0JisRoman, "=",
        EscG0JisX0208, YamadaKana, EscG0JisRoman, "^", EscG0JisX0208, TarouKana, EscG0JisRoman);

    private static readonly DicomCharacterSet Ir87 = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");
    private static readonly DicomCharacterSet Ir13And87 = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 87");

    [Fact]
    public void Annex_H_3_1_name_in_ISO_2022_IR_87_decodes()
    {
        Assert.Equal(YamadaTarou, Ir87.Decode(AnnexH31, DicomVR.PN));
    }

    [Fact]
    public void Annex_H_3_1_name_encodes_to_the_bytes_of_the_standard()
    {
        Assert.Equal(Hex(AnnexH31), Hex(Ir87.Encode(YamadaTarou, DicomVR.PN)));
    }

    [Fact]
    public void Annex_H_3_2_name_in_ISO_2022_IR_13_and_87_decodes_with_katakana_in_G1()
    {
        Assert.Equal(YamadaTarouKatakana, Ir13And87.Decode(AnnexH32, DicomVR.PN));
    }

    [Fact]
    public void Annex_H_3_2_name_encodes_returning_to_JIS_X_0201_Romaji_before_delimiters()
    {
        Assert.Equal(Hex(AnnexH32), Hex(Ir13And87.Encode(YamadaTarouKatakana, DicomVR.PN)));
    }

    [Fact]
    public void ISO_2022_IR_159_supplementary_kanji_decodes_and_encodes()
    {
        // JIS X 0212 0x3021 is U+4E02, a kanji that JIS X 0208 lacks.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87\\ISO 2022 IR 159");
        var bytes = Of("A", EscG0JisX0212, 0x30, 0x21, EscG0JisX0208, Yamada, EscG0Ascii);

        Assert.Equal("A丂山田", charset.Decode(bytes, DicomVR.LO));
        Assert.Equal(Hex(bytes), Hex(charset.Encode("A丂山田", DicomVR.LO)));
    }

    [Theory]
    [InlineData(0x24, 0x5C, "ぼ")] // second byte 05/12, the backslash of ISO-IR 6
    [InlineData(0x3B, 0x5E, "枝")] // second byte 05/14, the PN component delimiter
    [InlineData(0x3D, 0x3D, "十")] // both bytes 03/13, the PN group delimiter
    public void Delimiter_bytes_inside_a_JIS_X_0208_character_are_not_delimiters(int first, int second, string expected)
    {
        // PS3.5 6.1.2.3: only the character encoded as the single byte 05/12 is a value delimiter.
        var bytes = Of(EscG0JisX0208, first, second, Yamada, EscG0Ascii);

        Assert.Equal(expected + "山田", Ir87.Decode(bytes, DicomVR.PN));
        Assert.Equal(Hex(bytes), Hex(Ir87.Encode(expected + "山田", DicomVR.PN)));
    }

    [Fact]
    public void ISO_IR_13_without_code_extensions_decodes_half_width_katakana()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 13");
        var bytes = Of(0xD4, 0xCF, 0xC0, 0xDE, "^", 0xC0, 0xDB, 0xB3);

        Assert.Equal("ﾔﾏﾀﾞ^ﾀﾛｳ", charset.Decode(bytes, DicomVR.PN));
        Assert.Equal(Hex(bytes), Hex(charset.Encode("ﾔﾏﾀﾞ^ﾀﾛｳ", DicomVR.PN)));
    }

    [Fact]
    public void Older_JIS_designation_ESC_dollar_at_is_read_as_JIS_X_0208()
    {
        var bytes = Of(0x1B, 0x24, 0x40, Yamada, EscG0Ascii);

        Assert.Equal("山田", Ir87.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Microsoft_mapping_of_wave_dash_encodes_to_the_JIS_X_0208_cell()
    {
        // JIS X 0208 0x2141 is WAVE DASH U+301C; Windows maps the same cell to FULLWIDTH TILDE U+FF5E.
        var expected = Of(EscG0JisX0208, 0x21, 0x41, EscG0Ascii);

        Assert.Equal(Hex(expected), Hex(Ir87.Encode("\uFF5E", DicomVR.LO)));
        Assert.Equal("\u301C", Ir87.Decode(expected, DicomVR.LO));
    }

    [Fact]
    public void Vendor_extension_character_outside_JIS_X_0208_is_not_encoded()
    {
        // CIRCLED DIGIT ONE lives in a Microsoft/NEC row, not in JIS X 0208 itself.
        var error = Assert.Throws<DicomException>(() => Ir87.Encode("①", DicomVR.LO));

        Assert.Contains("U+2460", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_JIS_X_0208_character_round_trips()
    {
        AssertEveryCellRoundTrips(Ir87, EscG0JisX0208, EscG0Ascii, highBit: false, minimumCells: 6879);
    }

    [Fact]
    public void Every_JIS_X_0212_character_round_trips()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 159");
        // 6067 cells; 0x2237 is TILDE, which is written as ASCII.
        AssertEveryCellRoundTrips(charset, EscG0JisX0212, EscG0Ascii, highBit: false, minimumCells: 6066);
    }

    /// <summary>
    /// Decodes every cell of a 94×94 set in its own designation; each cell that yields one non-ASCII character must
    /// encode back to exactly those bytes. The number of such cells is checked against the size of the set.
    /// </summary>
    internal static void AssertEveryCellRoundTrips(DicomCharacterSet charset, byte[] designation, byte[] restore, bool highBit, int minimumCells)
    {
        var cells = 0;
        for (var row = 0x21; row <= 0x7E; row++)
        {
            for (var column = 0x21; column <= 0x7E; column++)
            {
                var pair = highBit ? new[] { (byte)(row | 0x80), (byte)(column | 0x80) } : new[] { (byte)row, (byte)column };
                var bytes = Of(designation, pair, restore);
                var text = charset.Decode(bytes, DicomVR.LO);
                if (text.Length != 1 || text[0] < 0x80 || text[0] is >= '\uE000' and <= '\uF8FF')
                {
                    continue;
                }

                byte[] encoded;
                try
                {
                    encoded = charset.Encode(text, DicomVR.LO);
                }
                catch (DicomException)
                {
                    continue; // a vendor row that decodes but is never produced
                }

                var expected = highBit ? Of(designation, pair) : bytes;
                Assert.True(
                    expected.AsSpan().SequenceEqual(encoded),
                    $"cell {row:X2}{column:X2} U+{(int)text[0]:X4}: encoded {Hex(encoded)}, expected {Hex(expected)}");
                cells++;
            }
        }

        Assert.True(cells >= minimumCells, $"only {cells} cells round-tripped, expected at least {minimumCells}");
    }
}
