using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>PS3.5 Annex I (Korean) and Annex K (Chinese), and the multi-byte sets without code extensions.</summary>
public sealed class KoreanChineseTests
{
    // KS X 1001 in G1 (EUC form): 洪 FBF3, 吉 D1CE, 洞 D4D7, 홍 C8AB, 길 B1E6, 동 B5BF.
    // PS3.5 I.2: the G1 designation is repeated after every delimiter, since each delimiter restores value 1's state.
    private static readonly byte[] AnnexI = Of(
        "Hong^Gildong=",
        EscG1KsX1001, 0xFB, 0xF3, "^", EscG1KsX1001, 0xD1, 0xCE, 0xD4, 0xD7, "=",
        EscG1KsX1001, 0xC8, 0xAB, "^", EscG1KsX1001, 0xB1, 0xE6, 0xB5, 0xBF);

    // GB 2312 / GB18030: 王 CDF5, 小 D0A1, 东 B6AB, 张 D5C5.
    private static readonly byte[] AnnexKGb18030 = Of("Wang^XiaoDong=", 0xCD, 0xF5, "^", 0xD0, 0xA1, 0xB6, 0xAB, "=");

    private static readonly byte[] AnnexKIr58 = Of(
        "Zhang^XiaoDong=", EscG1Gb2312, 0xD5, 0xC5, "^", EscG1Gb2312, 0xD0, 0xA1, 0xB6, 0xAB, "=");

    private static readonly DicomCharacterSet Ir149 = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 149");
    private static readonly DicomCharacterSet Ir58 = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 58");
    private static readonly DicomCharacterSet Gb18030 = DicomCharacterSet.FromSpecificCharacterSet("GB18030");
    private static readonly DicomCharacterSet Utf8 = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 192");

    [Fact]
    public void Annex_I_Korean_name_decodes()
    {
        Assert.Equal("Hong^Gildong=洪^吉洞=홍^길동", Ir149.Decode(AnnexI, DicomVR.PN));
    }

    [Fact]
    public void Annex_I_Korean_name_encodes_to_the_bytes_of_the_standard()
    {
        Assert.Equal(Hex(AnnexI), Hex(Ir149.Encode("Hong^Gildong=洪^吉洞=홍^길동", DicomVR.PN)));
    }

    [Fact]
    public void Korean_bytes_without_escape_sequences_decode_under_a_lone_ISO_2022_IR_149()
    {
        // Not conformant (value 1 must be a single-byte set), but common: the EUC-KR bytes of 홍길동 with no designation.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 149");

        Assert.Equal("홍^길동", charset.Decode(Of(0xC8, 0xAB, "^", 0xB1, 0xE6, 0xB5, 0xBF), DicomVR.PN));
        Assert.True(charset.IsKnown);
    }

    [Fact]
    public void Korean_G1_left_undesignated_after_a_delimiter_reads_as_the_declared_set()
    {
        // The writer omitted the repeated ESC $ ) C after '^'; nothing else can be meant by those bytes.
        var bytes = Of(EscG1KsX1001, 0xC8, 0xAB, "^", 0xB1, 0xE6, 0xB5, 0xBF);

        Assert.Equal("홍^길동", Ir149.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Every_KS_X_1001_character_round_trips()
    {
        JapaneseTests.AssertEveryCellRoundTrips(Ir149, EscG1KsX1001, [], highBit: true, minimumCells: 8224);
    }

    [Fact]
    public void Annex_K_GB18030_name_decodes_and_encodes()
    {
        Assert.Equal("Wang^XiaoDong=王^小东=", Gb18030.Decode(AnnexKGb18030, DicomVR.PN));
        Assert.Equal(Hex(AnnexKGb18030), Hex(Gb18030.Encode("Wang^XiaoDong=王^小东=", DicomVR.PN)));
    }

    [Fact]
    public void GB18030_four_byte_sequence_round_trips()
    {
        // U+1F600 lies outside the two-byte area; GB18030 codes it as 94 39 FC 36.
        var bytes = Of(0x94, 0x39, 0xFC, 0x36);

        Assert.Equal("\U0001F600", Gb18030.Decode(bytes, DicomVR.LO));
        Assert.Equal(Hex(bytes), Hex(Gb18030.Encode("\U0001F600", DicomVR.LO)));
    }

    [Fact]
    public void GBK_trail_byte_05_12_is_not_a_value_delimiter()
    {
        // 誠 is D5 5C in GBK: the second byte is the backslash value, yet only a single byte 05/12 delimits values.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("GBK");
        var text = charset.Decode(Of(0xD5, 0x5C, "\\", 0xD5, 0x5C), DicomVR.LO);

        Assert.Equal("誠\\誠", text);
        Assert.Equal(["誠", "誠"], text.Split('\\'));
    }

    [Fact]
    public void Annex_K_GB2312_name_in_ISO_2022_IR_58_decodes_and_encodes()
    {
        Assert.Equal("Zhang^XiaoDong=张^小东=", Ir58.Decode(AnnexKIr58, DicomVR.PN));
        Assert.Equal(Hex(AnnexKIr58), Hex(Ir58.Encode("Zhang^XiaoDong=张^小东=", DicomVR.PN)));
    }

    [Fact]
    public void Every_GB_2312_character_round_trips()
    {
        JapaneseTests.AssertEveryCellRoundTrips(Ir58, EscG1Gb2312, [], highBit: true, minimumCells: 7445);
    }

    [Fact]
    public void GB_2312_characters_decode_alike_under_ISO_2022_IR_58_and_GB18030()
    {
        // The same name must not change when a data set is relabelled between the two Chinese terms.
        for (var row = 0xA1; row <= 0xF7; row++)
        {
            for (var column = 0xA1; column <= 0xFE; column++)
            {
                var underIr58 = Ir58.Decode(Of(EscG1Gb2312, row, column), DicomVR.LO);
                if (underIr58.Length != 1 || underIr58[0] is >= '\uE000' and <= '\uF8FF')
                {
                    continue;
                }

                Assert.Equal(underIr58, Gb18030.Decode(Of(row, column), DicomVR.LO));
            }
        }
    }

    [Fact]
    public void UTF8_name_decodes_and_encodes()
    {
        var bytes = Of("Wang^XiaoDong=", 0xE7, 0x8E, 0x8B, "^", 0xE5, 0xB0, 0x8F, 0xE6, 0x9D, 0xB1, "=");

        Assert.Equal("Wang^XiaoDong=王^小東=", Utf8.Decode(bytes, DicomVR.PN));
        Assert.Equal(Hex(bytes), Hex(Utf8.Encode("Wang^XiaoDong=王^小東=", DicomVR.PN)));
    }
}
