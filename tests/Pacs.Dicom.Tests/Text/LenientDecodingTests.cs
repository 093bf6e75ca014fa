using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>Reading never throws and never drops a byte, whatever the data.</summary>
public sealed class LenientDecodingTests
{
    [Fact]
    public void Default_repertoire_reads_bytes_above_0x7F_as_Latin1()
    {
        Assert.Equal("Jérôme", DicomCharacterSet.Default.Decode(Of("J", 0xE9, "r", 0xF4, "me"), DicomVR.PN));
    }

    [Fact]
    public void Invalid_UTF8_bytes_read_as_Latin1_characters()
    {
        // A Latin-1 é in a data set labelled UTF-8, between valid UTF-8.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 192");

        Assert.Equal("Caf\u00E9 \u00FC", charset.Decode(Of("Caf", 0xE9, " ", 0xC3, 0xBC), DicomVR.LO));
    }

    [Fact]
    public void Escape_sequence_of_no_DICOM_set_is_kept_as_text()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Equal("a\u001B%Gb", charset.Decode(Of("a", 0x1B, "%Gb"), DicomVR.LO));
    }

    [Fact]
    public void Truncated_double_byte_character_keeps_its_byte()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Equal("山;", charset.Decode(Of(EscG0JisX0208, 0x3B, 0x33, 0x3B), DicomVR.LO));
    }

    [Fact]
    public void Unassigned_double_byte_cell_keeps_both_bytes()
    {
        // Row 0x29 of JIS X 0208 is empty.
        var charset = DicomCharacterSet.FromSpecificCharacterSet("\\ISO 2022 IR 87");

        Assert.Equal(")!", charset.Decode(Of(EscG0JisX0208, 0x29, 0x21, EscG0Ascii), DicomVR.LO));
    }

    [Fact]
    public void Escape_sequences_are_honoured_even_when_no_code_extension_is_declared()
    {
        Assert.Equal("山田", DicomCharacterSet.Default.Decode(Of(EscG0JisX0208, 0x3B, 0x33, 0x45, 0x44, EscG0Ascii), DicomVR.PN));
    }

    [Fact]
    public void Every_byte_value_decodes_to_one_character_in_every_single_byte_set()
    {
        var all = Enumerable.Range(0, 256).Where(b => b != 0x1B).Select(b => (byte)b).ToArray();
        foreach (var term in new[] { "", "ISO_IR 100", "ISO_IR 101", "ISO_IR 127", "ISO_IR 138", "ISO_IR 166", "ISO_IR 13", "FOO" })
        {
            var text = DicomCharacterSet.FromSpecificCharacterSet(term).Decode(all, DicomVR.LT);

            Assert.Equal(all.Length, text.Length);
        }
    }
}
