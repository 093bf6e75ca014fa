using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>PS3.5 6.1.2.5.3: which delimiters restore the designations of value 1, by VR.</summary>
public sealed class DelimiterTests
{
    // Value 1 puts Latin-1 in G1; Cyrillic is designated by ESC - L. 0xBC is М in Cyrillic and ¼ in Latin-1;
    // 0xE9 is щ in Cyrillic and é in Latin-1.
    private static readonly DicomCharacterSet LatinThenCyrillic =
        DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 100\\ISO 2022 IR 144");

    [Fact]
    public void Caret_in_PN_restores_the_initial_G1()
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, "^", 0xE9);

        Assert.Equal("М^é", LatinThenCyrillic.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Equals_sign_in_PN_restores_the_initial_G1()
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, "=", 0xE9);

        Assert.Equal("М=é", LatinThenCyrillic.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Caret_outside_PN_is_an_ordinary_character()
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, "^", 0xE9);

        Assert.Equal("М^щ", LatinThenCyrillic.Decode(bytes, DicomVR.LO));
    }

    [Fact]
    public void Backslash_restores_the_initial_G1_between_values()
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, "\\", 0xBC);

        Assert.Equal("М\\¼", LatinThenCyrillic.Decode(bytes, DicomVR.LO));
    }

    [Fact]
    public void Backslash_in_single_valued_text_is_an_ordinary_character()
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, "\\", 0xBC);

        Assert.Equal("М\\М", LatinThenCyrillic.Decode(bytes, DicomVR.LT));
    }

    [Theory]
    [InlineData(0x0D)]
    [InlineData(0x0A)]
    [InlineData(0x0C)]
    [InlineData(0x09)]
    public void Control_characters_in_text_restore_the_initial_G1(int control)
    {
        var bytes = Of(EscG1Cyrillic, 0xBC, control, 0xBC);

        Assert.Equal($"М{(char)control}¼", LatinThenCyrillic.Decode(bytes, DicomVR.LT));
    }

    [Fact]
    public void Control_character_ends_a_JIS_X_0208_run()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");
        var bytes = Of(EscG0JisX0208, 0x3B, 0x33, 0x0D, 0x0A, "AB");

        Assert.Equal("山\r\nAB", charset.Decode(bytes, DicomVR.LT));
    }

    [Fact]
    public void Encoder_designates_G1_again_after_a_PN_delimiter()
    {
        var expected = Of(EscG1Cyrillic, 0xBC, "^", EscG1Cyrillic, 0xBC);

        Assert.Equal(Hex(expected), Hex(LatinThenCyrillic.Encode("М^М", DicomVR.PN)));
    }

    [Fact]
    public void Encoder_keeps_G1_across_a_caret_outside_PN()
    {
        var expected = Of(EscG1Cyrillic, 0xBC, "^", 0xBC);

        Assert.Equal(Hex(expected), Hex(LatinThenCyrillic.Encode("М^М", DicomVR.LO)));
    }

    [Fact]
    public void Encoder_restores_ISO_IR_6_before_a_backslash_and_at_the_end()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");
        var expected = Of(EscG0JisX0208, 0x3B, 0x33, EscG0Ascii, "\\", EscG0JisX0208, 0x45, 0x44, EscG0Ascii);

        Assert.Equal(Hex(expected), Hex(charset.Encode("山\\田", DicomVR.LO)));
    }

    [Fact]
    public void Encoder_prefers_the_G1_set_in_force_over_an_earlier_declared_one()
    {
        // ó is in Latin-1 and in Latin-2; once Latin-2 is in G1 for Ł, ó stays there without another escape.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 100\\ISO 2022 IR 101");
        var expected = Of(EscG1Latin2, 0xA3, 0xF3, "d", 0xBC);

        Assert.Equal(Hex(expected), Hex(charset.Encode("Łódź", DicomVR.LO)));
        Assert.Equal("Łódź", charset.Decode(expected, DicomVR.LO));
    }

    [Fact]
    public void Byte_05_14_is_no_delimiter_where_G0_holds_katakana()
    {
        // ESC ( I puts JIS X 0201 katakana in G0: 0x5E is the voiced sound mark U+FF9E there, not '^'.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 87");
        var bytes = Of(0x1B, 0x28, 0x49, 0x5E, 0x34, EscG0JisRoman);

        Assert.Equal("\uFF9E\uFF74", charset.Decode(bytes, DicomVR.PN));
    }
}
