namespace Pacs.Dicom;

/// <summary>
/// PLACEHOLDER until the generated dictionary lands: PS3.6 lookups by tag and by keyword.
/// </summary>
public static partial class DicomDictionary
{
    public static DicomDictionaryEntry? Lookup(DicomTag tag) => null;

    public static bool TryGetTag(string keyword, out DicomTag tag)
    {
        tag = default;
        return false;
    }
}
