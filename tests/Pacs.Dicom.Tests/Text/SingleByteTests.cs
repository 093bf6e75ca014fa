using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>The single-byte character sets of PS3.3 Table C.12-2, each with a word in its own script.</summary>
public sealed class SingleByteTests
{
    /// <summary>Term, the word's bytes from the code chart of the set, the word.</summary>
    public static TheoryData<string, byte[], string> Words() => new()
    {
        { "ISO_IR 100", Of("Buc^J", 0xE9, "r", 0xF4, "me"), "Buc^Jérôme" },        // Latin-1
        { "ISO_IR 101", Of(0xA3, 0xF3, "d", 0xBC), "Łódź" },                       // Latin-2
        { "ISO_IR 109", Of("G", 0xB1, "awdex"), "Għawdex" },                       // Latin-3 (Maltese)
        { "ISO_IR 110", Of("R", 0xEF, "ga"), "Rīga" },                             // Latin-4
        { "ISO_IR 148", Of("I", 0xFE, 0xFD, "k"), "Işık" },                        // Latin-5 (Turkish)
        { "ISO_IR 203", Of(0xBC, "uvre 5", 0xA4), "Œuvre 5€" },                    // Latin-9
        { "ISO_IR 144", Of(0xBC, 0xDE, 0xE1, 0xDA, 0xD2, 0xD0), "Москва" },        // Cyrillic
        { "ISO_IR 127", Of(0xE2, 0xC8, 0xC7, 0xE6, 0xEA), "قباني" },               // Arabic
        { "ISO_IR 126", Of(0xC4, 0xE9, 0xEF, 0xED, 0xF5, 0xF3, 0xE9, 0xEF, 0xF2), "Διονυσιος" }, // Greek
        { "ISO_IR 138", Of(0xF9, 0xF8, 0xE5, 0xEF), "שרון" },                      // Hebrew
        { "ISO_IR 166", Of(0xA1, 0xC3, 0xD8, 0xA7, 0xE0, 0xB7, 0xBE), "กรุงเทพ" }, // Thai (TIS 620)
        { "ISO_IR 13", Of(0xD4, 0xCF, 0xC0, 0xDE), "ﾔﾏﾀﾞ" },                       // JIS X 0201 katakana
        { "ISO_IR 6", Of("Smith^John"), "Smith^John" },                            // the default repertoire
    };

    [Theory]
    [MemberData(nameof(Words))]
    public void Word_decodes_in_its_character_set(string term, byte[] bytes, string word)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(term);

        Assert.Equal(word, charset.Decode(bytes, DicomVR.PN));
        Assert.True(charset.IsKnown);
    }

    [Theory]
    [MemberData(nameof(Words))]
    public void Word_encodes_to_the_bytes_of_its_character_set(string term, byte[] bytes, string word)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(term);

        Assert.Equal(Hex(bytes), Hex(charset.Encode(word, DicomVR.PN)));
    }

    [Theory]
    [MemberData(nameof(Words))]
    public void Word_decodes_the_same_in_the_code_extension_form_of_its_term(string term, byte[] bytes, string word)
    {
        // "ISO 2022 IR n" designates the same sets as "ISO_IR n" (PS3.3 Table C.12-3).
        var charset = DicomCharacterSet.FromSpecificCharacterSet(term.Replace("ISO_IR", "ISO 2022 IR", StringComparison.Ordinal));

        Assert.Equal(word, charset.Decode(bytes, DicomVR.PN));
        Assert.Equal(Hex(bytes), Hex(charset.Encode(word, DicomVR.PN)));
    }

    [Theory]
    [InlineData("ISO_IR 100", 96)]
    [InlineData("ISO_IR 101", 96)]
    [InlineData("ISO_IR 109", 89)]
    [InlineData("ISO_IR 110", 96)]
    [InlineData("ISO_IR 148", 96)]
    [InlineData("ISO_IR 203", 96)]
    [InlineData("ISO_IR 144", 96)]
    [InlineData("ISO_IR 127", 51)]
    [InlineData("ISO_IR 126", 93)]
    [InlineData("ISO_IR 138", 60)]
    [InlineData("ISO_IR 166", 88)]
    [InlineData("ISO_IR 13", 63)]
    public void Every_assigned_upper_half_position_round_trips(string term, int assigned)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(term);
        var count = 0;
        for (var b = 0xA0; b <= 0xFF; b++)
        {
            var text = charset.Decode([(byte)b], DicomVR.LO);
            Assert.Equal(1, text.Length);
            byte[]? encoded = null;
            try
            {
                encoded = charset.Encode(text, DicomVR.LO);
            }
            catch (DicomException)
            {
            }

            if (encoded is [var e] && e == b)
            {
                count++;
                continue;
            }

            // Unassigned: read as the Latin-1 character of the byte (which may belong to the set elsewhere).
            Assert.Equal((char)b, text[0]);
        }

        Assert.Equal(assigned, count);
    }

    [Fact]
    public void Unassigned_position_decodes_as_its_Latin1_character_and_is_not_encoded()
    {
        // ISO 8859-6 leaves 0xA1 unassigned.
        var arabic = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 127");

        Assert.Equal("\u00A1", arabic.Decode(Of(0xA1), DicomVR.LO));
        Assert.Throws<DicomException>(() => arabic.Encode("\u00A1", DicomVR.LO));
    }

    [Fact]
    public void Cyrillic_and_Greek_switch_by_escape_sequences_under_code_extensions()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 144\\ISO 2022 IR 126");
        var bytes = Of(0xBC, " ", EscG1Greek, 0xC4);

        Assert.Equal("М Δ", charset.Decode(bytes, DicomVR.LO));
        Assert.Equal(Hex(bytes), Hex(charset.Encode("М Δ", DicomVR.LO)));
    }
}
