using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// The attributes kept in the index for each level, returned by QIDO-RS without reading any stored object.
/// Each level's set is the PS3.18 Table 10.6.3-3 to -5 required attributes of that level plus the ones viewers
/// commonly ask for with includefield. They are stored as a bare Explicit VR Little Endian data set, transcoded to
/// UTF-8 (ISO_IR 192) at ingest, so values from instances in different character sets can share one response.
/// </summary>
public static class LevelAttributes
{
    /// <summary>Patient module attributes (PS3.3 C.7.1.1) kept per patient.</summary>
    public static IReadOnlyList<DicomTag> Patient { get; } =
    [
        DicomTag.PatientName, DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.PatientBirthDate,
        DicomTag.PatientBirthTime, DicomTag.PatientSex, DicomTag.OtherPatientIDsSequence, DicomTag.PatientComments,
    ];

    /// <summary>General Study and Patient Study attributes kept per study.</summary>
    public static IReadOnlyList<DicomTag> Study { get; } =
    [
        DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.IssuerOfAccessionNumberSequence,
        DicomTag.ReferringPhysicianName, DicomTag.TimezoneOffsetFromUTC, DicomTag.StudyDescription,
        DicomTag.ProcedureCodeSequence, DicomTag.NameOfPhysiciansReadingStudy, DicomTag.PatientAge, DicomTag.PatientSize,
        DicomTag.PatientWeight, DicomTag.StudyInstanceUID, DicomTag.StudyID,
    ];

    /// <summary>General Series and equipment attributes kept per series.</summary>
    public static IReadOnlyList<DicomTag> Series { get; } =
    [
        DicomTag.SeriesDate, DicomTag.SeriesTime, DicomTag.Modality, DicomTag.Manufacturer, DicomTag.InstitutionName,
        DicomTag.StationName, DicomTag.SeriesDescription, DicomTag.OperatorsName, DicomTag.ManufacturerModelName,
        DicomTag.BodyPartExamined, DicomTag.ProtocolName, DicomTag.SeriesInstanceUID, DicomTag.SeriesNumber,
        DicomTag.Laterality, DicomTag.FrameOfReferenceUID, DicomTag.PerformedProcedureStepStartDate,
        DicomTag.PerformedProcedureStepStartTime, DicomTag.PerformedProcedureStepDescription, DicomTag.RequestAttributesSequence,
    ];

    /// <summary>SOP Common, General Image and Image Pixel attributes kept per instance version.</summary>
    public static IReadOnlyList<DicomTag> Instance { get; } =
    [
        DicomTag.ImageType, DicomTag.SOPClassUID, DicomTag.SOPInstanceUID, DicomTag.ContentDate, DicomTag.AcquisitionDateTime,
        DicomTag.ContentTime, DicomTag.InstanceNumber, DicomTag.SamplesPerPixel, DicomTag.PhotometricInterpretation,
        DicomTag.NumberOfFrames, DicomTag.Rows, DicomTag.Columns, DicomTag.BitsAllocated, DicomTag.BitsStored,
    ];

    private const string Utf8CharacterSet = "ISO_IR 192";

    /// <summary>The <paramref name="tags"/> of <paramref name="source"/> that are present, in UTF-8, encoded.</summary>
    public static byte[] Encode(DicomDataset source, IReadOnlyList<DicomTag> tags)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tags);
        var target = Transcode(source, tags, topLevel: true);
        using var buffer = new MemoryStream(256);
        DicomWriter.WriteDataset(buffer, target, DicomTransferSyntax.ExplicitVRLittleEndian);
        return buffer.ToArray();
    }

    /// <summary>Reads back what <see cref="Encode"/> wrote.</summary>
    public static DicomDataset Decode(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var stream = new MemoryStream(encoded, writable: false);
        return DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian);
    }

    private static DicomDataset Transcode(DicomDataset source, IEnumerable<DicomTag> tags, bool topLevel)
    {
        var target = new DicomDataset();
        // Items inherit the top level's character set (PS3.5 7.5.3), so only the top level names it.
        if (topLevel)
            target.Set(DicomTag.SpecificCharacterSet, DicomVR.CS, Utf8CharacterSet);
        Fill(target, source, tags);
        return target;
    }

    /// <summary>Copies <paramref name="tags"/> of <paramref name="source"/> into <paramref name="target"/>, which already
    /// knows its character set (its own or its parent's): items are attached before they are filled.</summary>
    /// <summary>The one VR PS3.6 gives <paramref name="tag"/>, or null when it is unknown, a sequence or has alternatives.</summary>
    private static DicomVR? DictionaryVR(DicomTag tag) =>
        DicomDictionary.Lookup(tag) is { ValueRepresentations: [var vr] } && vr is not (DicomVR.SQ or DicomVR.UN) ? vr : null;

    private static void Fill(DicomDataset target, DicomDataset source, IEnumerable<DicomTag> tags)
    {
        foreach (var tag in tags)
        {
            if (source.Get(tag) is not { } element || element.IsBulkData || element is DicomFragmentSequence)
                continue;
            if (element.VR == DicomVR.UN && element is not DicomSequence && DictionaryVR(tag) is { } vr)
            {
                // PS3.5 6.2.2: an element sent as UN whose tag the dictionary knows is read with the dictionary's VR, so
                // the index (and QIDO-RS) holds a UID, date or name rather than opaque bytes. The stored object keeps UN.
                var typed = new DicomDataset();
                if (source.Get(DicomTag.SpecificCharacterSet) is { } characterSet)
                    typed.Set(characterSet);
                typed.Set(new DicomElement(tag, vr, element.Value));
                Fill(target, typed, [tag]);
                continue;
            }
            if (element is DicomSequence sequence)
            {
                var items = sequence.Items.Select(_ => new DicomDataset()).ToArray();
                target.Set(new DicomSequence(tag, items));
                for (int i = 0; i < items.Length; i++)
                {
                    var sourceItem = sequence.Items[i];
                    Fill(items[i], sourceItem, sourceItem.Elements.Select(e => e.Tag).Where(t => t != DicomTag.SpecificCharacterSet).ToArray());
                }
            }
            else if (element.VR.UsesSpecificCharacterSet())
            {
                // Decode with the source's Specific Character Set (inherited by items, PS3.5 7.5.3), re-encode as UTF-8.
                // A value that cannot be decoded is left out of the index; the stored object keeps it as sent.
                try
                {
                    target.Set(tag, element.VR, source.GetString(tag) ?? "");
                }
                catch (DicomException)
                {
                }
            }
            else
            {
                target.Set(new DicomElement(tag, element.VR, element.Value));
            }
        }
    }
}
