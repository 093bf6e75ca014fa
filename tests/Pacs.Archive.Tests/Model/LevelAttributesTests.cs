using Pacs.Dicom;

namespace Pacs.Archive.Tests.Model;

public sealed class LevelAttributesTests
{
    [Fact]
    public void Attributes_are_kept_in_UTF_8_with_sequence_items_inheriting_the_character_set()
    {
        var source = new DicomDataset();
        source.Set(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        source.Set(DicomTag.SeriesDescription, "Schädel nativ");
        source.Set(DicomTag.Modality, "CT");
        var item = new DicomDataset();
        source.SetSequence(DicomTag.RequestAttributesSequence, item);
        item.Set(DicomTag.RequestedProcedureDescription, "Ärztliche Kontrolle");
        source.Set(DicomTag.PatientName, "not a series attribute");

        var decoded = LevelAttributes.Decode(LevelAttributes.Encode(source, LevelAttributes.Series));

        Assert.Equal("ISO_IR 192", decoded.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Schädel nativ", decoded.GetString(DicomTag.SeriesDescription));
        Assert.Equal("CT", decoded.GetString(DicomTag.Modality));
        var decodedItem = Assert.Single(decoded.GetSequence(DicomTag.RequestAttributesSequence));
        Assert.Equal("Ärztliche Kontrolle", decodedItem.GetString(DicomTag.RequestedProcedureDescription));
        Assert.False(decodedItem.Contains(DicomTag.SpecificCharacterSet));
        Assert.False(decoded.Contains(DicomTag.PatientName));
        Assert.Equal("Schädel nativ"u8.ToArray(), decoded.Get(DicomTag.SeriesDescription)!.Value.ToArray()[..14]);
    }

    [Fact]
    public void Elements_sent_as_UN_are_indexed_with_their_dictionary_VR()
    {
        var source = new DicomDataset();
        source.Set(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        source.Set(new DicomElement(DicomTag.StudyInstanceUID, DicomVR.UN, "1.2.3.4\0"u8.ToArray()));
        source.Set(new DicomElement(DicomTag.StudyDate, DicomVR.UN, "20151124"u8.ToArray()));
        source.Set(new DicomElement(DicomTag.StudyDescription, DicomVR.UN, new byte[] { (byte)'S', (byte)'c', (byte)'h', 0xE4, (byte)'d', (byte)'e', (byte)'l', (byte)' ' }));

        var decoded = LevelAttributes.Decode(LevelAttributes.Encode(source, LevelAttributes.Study));

        Assert.Equal(DicomVR.UI, decoded.Get(DicomTag.StudyInstanceUID)!.VR);
        Assert.Equal("1.2.3.4", decoded.GetString(DicomTag.StudyInstanceUID));
        Assert.Equal(DicomVR.DA, decoded.Get(DicomTag.StudyDate)!.VR);
        Assert.Equal("20151124", decoded.GetString(DicomTag.StudyDate));
        Assert.Equal(DicomVR.LO, decoded.Get(DicomTag.StudyDescription)!.VR);
        Assert.Equal("Schädel", decoded.GetString(DicomTag.StudyDescription));
    }
}
