namespace Pacs.Dicom.Tests.Writing;

/// <summary>The comparer the round-trip tests rely on does see the differences they exist to catch.</summary>
public sealed class DatasetComparerTests
{
    [Fact]
    public void The_comparer_reports_a_changed_value_a_missing_element_a_changed_VR_and_a_changed_item()
    {
        var original = WritingSamples.Image();
        var changed = WritingSamples.Image();
        changed.Set(WritingSamples.PatientId, DicomVR.LO, "PID-0002");
        changed.Remove(WritingSamples.Modality);
        changed.Set(new DicomElement(WritingSamples.Rows, DicomVR.SS, original.Get(WritingSamples.Rows)!.Value));
        changed.GetSequence(WritingSamples.ReferencedImageSequence)[1].Set(WritingSamples.ReferencedSopClass, DicomVR.UI, "1.2");

        var differences = DatasetComparer.Differences(original, changed, compareVR: true);

        Assert.Contains(differences, d => d.Contains("(0010,0020) value differs", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("(0008,0060) missing", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("(0028,0010) VR US became SS", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("(0008,1140)[1].(0008,1150) value differs", StringComparison.Ordinal));
        Assert.Empty(DatasetComparer.Differences(original, WritingSamples.Image(), compareVR: true));
    }

    [Fact]
    public void A_sequence_equals_UN_bytes_only_when_they_are_its_implicit_VR_encoding()
    {
        var original = WritingSamples.Image();
        var sequence = (DicomSequence)original.Get(WritingSamples.ReferencedImageSequence)!;
        var holder = new DicomDataset();
        holder.Set(new DicomSequence(sequence.Tag, sequence.Items.Select(i => i.Clone()), undefinedLength: true));
        using var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, holder, DicomTransferSyntax.ImplicitVRLittleEndian);
        var asUn = WritingSamples.Image();
        asUn.Set(new DicomElement(sequence.Tag, DicomVR.UN, stream.ToArray()[8..]));
        var wrongUn = WritingSamples.Image();
        wrongUn.Set(new DicomElement(sequence.Tag, DicomVR.UN, new byte[] { 1, 2 }));

        Assert.Empty(DatasetComparer.Differences(original, asUn, compareVR: false));
        Assert.NotEmpty(DatasetComparer.Differences(original, wrongUn, compareVR: false));
    }
}
