namespace Pacs.Dicom;

/// <summary>
/// How this implementation names itself in the File Meta Information it writes (PS3.10 7.1) and in
/// association negotiation (PS3.7 D.3.3.2).
/// </summary>
public static class DicomImplementation
{
    /// <summary>
    /// Implementation Class UID (0002,0012): a UUID-derived UID under the 2.25 root (PS3.5 B.2), fixed for the project so
    /// that every file we write can be traced to it. Changes only if the writer's encoding ever changes incompatibly.
    /// </summary>
    public const string ClassUid = "2.25.200935887839216164617812209352544068526";

    /// <summary>Implementation Version Name (0002,0013): at most 16 characters of the default repertoire (PS3.7 D.3.3.2.3).</summary>
    public const string VersionName = "PACS_1";
}
