namespace Pacs.Dicom;

/// <summary>One row of the PS3.6 data dictionary.</summary>
/// <param name="Tag">The tag; for repeating groups (e.g. 60xx,3000) the tag with the wildcard digits zero.</param>
/// <param name="Mask">Which bits of a tag must equal <paramref name="Tag"/>: 0xFFFFFFFF for fixed tags, 0xFF00FFFF for 60xx,3000 etc.</param>
/// <param name="ValueRepresentations">The VR, or the alternatives PS3.6 allows ("US or SS"); empty for items and delimiters.</param>
/// <param name="ValueMultiplicity">As PS3.6 prints it: "1", "1-n", "2-2n" …</param>
/// <param name="Keyword">PS3.6 keyword, e.g. "PatientName" (empty for a few retired entries).</param>
/// <param name="Name">PS3.6 name, e.g. "Patient's Name".</param>
/// <param name="IsRetired">PS3.6 marks the element RET.</param>
public sealed record DicomDictionaryEntry(
    DicomTag Tag,
    uint Mask,
    DicomVR[] ValueRepresentations,
    string ValueMultiplicity,
    string Keyword,
    string Name,
    bool IsRetired)
{
    /// <summary>The first (preferred) VR; <see cref="DicomVR.UN"/> when the dictionary gives none.</summary>
    public DicomVR VR => ValueRepresentations.Length > 0 ? ValueRepresentations[0] : DicomVR.UN;

    public bool Matches(DicomTag tag) => (tag.Value & Mask) == Tag.Value;
}
