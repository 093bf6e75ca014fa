namespace Pacs.Dicom.Tests.Text;

/// <summary>Writing text: decode(encode(x)) == x for every set, and clear errors for what a set cannot hold.</summary>
public sealed class EncodeTests
{
    public static TheoryData<string, DicomVR, string> RoundTrips() => new()
    {
        { "", DicomVR.LO, "Plain ASCII \\ with a backslash" },
        { "ISO_IR 100", DicomVR.PN, "Müller^Zoë=^" },
        { "ISO_IR 101", DicomVR.LO, "Příliš žluťoučký kůň" },
        { "ISO_IR 109", DicomVR.LO, "Ĉu vi ŝatas ĝin?" },
        { "ISO_IR 110", DicomVR.LO, "Ķekava Ūdens" },
        { "ISO_IR 148", DicomVR.LO, "Ağrı Dağı" },
        { "ISO_IR 203", DicomVR.LO, "Œil 10 €" },
        { "ISO_IR 144", DicomVR.PN, "Иванов^Иван" },
        { "ISO_IR 127", DicomVR.PN, "قباني^لنزار" },
        { "ISO_IR 126", DicomVR.LT, "Αθήνα\r\nΘεσσαλονίκη" },
        { "ISO_IR 138", DicomVR.PN, "שרון^דבורה" },
        { "ISO_IR 166", DicomVR.LO, "ภาษาไทย" },
        { "ISO_IR 13", DicomVR.PN, "ﾔﾏﾀﾞ^ﾀﾛｳ" },
        { "ISO_IR 192", DicomVR.UT, "Ünïcödé 王 홍 ☃ \U0001F600" },
        { "GB18030", DicomVR.PN, "Wang^XiaoDong=王^小东=" },
        { "GBK", DicomVR.LO, "北京 誠" },
        { "\\ISO 2022 IR 87", DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう" },
        { "\\ISO 2022 IR 87", DicomVR.LT, "検査 所見\r\nなし (正常)" },
        { "ISO 2022 IR 13\\ISO 2022 IR 87", DicomVR.PN, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう" },
        { "\\ISO 2022 IR 87\\ISO 2022 IR 159", DicomVR.LO, "丂山\\田" },
        { "\\ISO 2022 IR 149", DicomVR.PN, "Hong^Gildong=洪^吉洞=홍^길동" },
        { "\\ISO 2022 IR 58", DicomVR.PN, "Zhang^XiaoDong=张^小东=" },
        { "ISO 2022 IR 100\\ISO 2022 IR 144\\ISO 2022 IR 126", DicomVR.LO, "é М Δ é\\Δ" },
        { "ISO 2022 IR 6\\ISO 2022 IR 149\\ISO 2022 IR 87", DicomVR.LO, "홍 山田 길동" },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Text_round_trips_through_encode_and_decode(string specificCharacterSet, DicomVR vr, string text)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(specificCharacterSet);

        Assert.Equal(text, charset.Decode(charset.Encode(text, vr), vr));
    }

    [Fact]
    public void Default_repertoire_refuses_non_ASCII_naming_the_character_and_its_position()
    {
        var error = Assert.Throws<DicomException>(() => DicomCharacterSet.Default.Encode("Buc^Jérôme", DicomVR.PN));

        Assert.Contains("'é' (U+00E9)", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("(0008,0005)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Latin1_refuses_Cyrillic()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 100");

        var error = Assert.Throws<DicomException>(() => charset.Encode("Иван", DicomVR.PN));

        Assert.Contains("'И' (U+0418)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ISO_IR 100'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Character_outside_the_BMP_is_named_by_its_code_point()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        var error = Assert.Throws<DicomException>(() => charset.Encode("山\U0001F600", DicomVR.LO));

        Assert.Contains("U+1F600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lone_surrogate_cannot_be_written_as_UTF8()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 192");

        var error = Assert.Throws<DicomException>(() => charset.Encode("a\uD800b", DicomVR.LO));

        Assert.Contains("U+D800", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escape_character_in_text_is_refused()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Throws<DicomException>(() => charset.Encode("a\u001B$Bb", DicomVR.LO));
        Assert.Throws<DicomException>(() => charset.Encode("山\u001B", DicomVR.LO));
    }

    [Fact]
    public void Half_width_katakana_needs_ISO_IR_13()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Throws<DicomException>(() => charset.Encode("ﾔﾏﾀﾞ", DicomVR.PN));
    }

    [Fact]
    public void Empty_text_encodes_to_no_bytes()
    {
        Assert.Empty(DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87").Encode(string.Empty, DicomVR.PN));
        Assert.Equal(string.Empty, DicomCharacterSet.Default.Decode([], DicomVR.PN));
    }
}
