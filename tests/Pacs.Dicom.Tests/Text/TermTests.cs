using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>Parsing (0008,0005): Defined Terms, their misspellings in the wild, and unknown terms.</summary>
public sealed class TermTests
{
    [Theory]
    [InlineData("ISO_IR 100")]
    [InlineData("ISO IR 100")]
    [InlineData("ISO-IR 100")]
    [InlineData("ISO_IR100")]
    [InlineData("iso_ir 100")]
    [InlineData(" ISO_IR 100 ")]
    [InlineData("ISO_IR 100\0")]
    public void Latin1_term_and_its_misspellings_are_recognised(string value)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(value);

        Assert.True(charset.IsKnown);
        Assert.Equal(["ISO_IR 100"], charset.DefinedTerms);
        Assert.Equal("é", charset.Decode([0xE9], DicomVR.LO));
    }

    [Theory]
    [InlineData("ISO_IR 192")]
    [InlineData("UTF-8")]
    [InlineData("utf8")]
    [InlineData("ISO IR 192")]
    public void UTF8_term_and_its_aliases_decode_UTF8(string value)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(value);

        Assert.True(charset.IsKnown);
        Assert.Equal("é", charset.Decode([0xC3, 0xA9], DicomVR.LO));
    }

    [Theory]
    [InlineData("ISO_IR 6")]
    [InlineData("ISO 2022 IR 6")]
    public void ISO_IR_6_is_the_default_repertoire(string value)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(value);

        Assert.True(charset.IsKnown);
        Assert.Equal("abc", charset.Decode("abc"u8, DicomVR.LO));
        Assert.Throws<DicomException>(() => charset.Encode("é", DicomVR.LO));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\0")]
    public void Empty_value_is_the_default_character_set(string value)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(value);

        Assert.Same(DicomCharacterSet.Default, charset);
        Assert.Empty(charset.Terms);
        Assert.True(charset.IsKnown);
    }

    [Fact]
    public void Empty_value_1_is_kept_as_a_term_and_means_ISO_IR_6()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Equal(["", "ISO 2022 IR 87"], charset.Terms);
        Assert.Equal(["ISO_IR 6", "ISO 2022 IR 87"], charset.DefinedTerms);
        Assert.True(charset.IsKnown);
    }

    [Fact]
    public void Unknown_term_is_reported_and_decodes_as_Latin1_without_throwing()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 999");

        Assert.False(charset.IsKnown);
        Assert.Equal(["ISO_IR 999"], charset.UnknownTerms);
        Assert.Equal("Jérôme", charset.Decode(Of("J", 0xE9, "r", 0xF4, "me"), DicomVR.PN));
    }

    [Fact]
    public void Unknown_term_beside_known_ones_leaves_the_known_ones_working()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87\\KLINGON");

        Assert.Equal(["KLINGON"], charset.UnknownTerms);
        Assert.Equal("山田", charset.Decode(Of(EscG0JisX0208, 0x3B, 0x33, 0x45, 0x44, EscG0Ascii), DicomVR.PN));
    }

    [Fact]
    public void Encoding_non_ASCII_text_under_an_unknown_term_names_the_term()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 999");

        var error = Assert.Throws<DicomException>(() => charset.Encode("é", DicomVR.LO));

        Assert.Contains("'ISO_IR 999'", error.Message, StringComparison.Ordinal);
        Assert.Equal("abc"u8.ToArray(), charset.Encode("abc", DicomVR.LO));
    }

    [Fact]
    public void UTF8_governs_the_value_even_beside_other_terms()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 100\\ISO_IR 192");

        Assert.Equal("王", charset.Decode([0xE7, 0x8E, 0x8B], DicomVR.LO));
    }

    [Fact]
    public void GB2312_alias_reads_EUC_CN_bytes_without_escape_sequences()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("GB2312");

        Assert.True(charset.IsKnown);
        Assert.Equal("王^小东", charset.Decode(Of(0xCD, 0xF5, "^", 0xD0, 0xA1, 0xB6, 0xAB), DicomVR.PN));
    }
}
