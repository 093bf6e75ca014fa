namespace Pacs.Dicom;

/// <summary>PLACEHOLDER until the generator writes the PS3.6 Annex A registry.</summary>
public static partial class DicomUidRegistry
{
    public static DicomUidInfo? Lookup(string uid) => null;
}

/// <summary>One registered UID (PS3.6 Annex A).</summary>
/// <param name="Type">"SOP Class", "Transfer Syntax", "Meta SOP Class", … as the registry names it.</param>
public sealed record DicomUidInfo(string Uid, string Name, string Keyword, string Type, string Info, bool IsRetired);
