namespace Pacs.DicomWeb.Store;

/// <summary>
/// Values of Failure Reason (0008,1197) in a STOW-RS response (PS3.18 I.2.2, which takes them from the C-STORE
/// statuses of PS3.4 B.2.3), and two the standard has no code for.
/// </summary>
public static class StoreFailureReasons
{
    /// <summary>0110H (272): processing failure — the server could not store the object for a reason of its own.</summary>
    public const ushort ProcessingFailure = 0x0110;

    /// <summary>0119H (281): the SOP Class UID in the object does not match the one it was referenced by.</summary>
    public const ushort ClassInstanceConflict = 0x0119;

    /// <summary>0122H (290): the server does not store this SOP Class.</summary>
    public const ushort SopClassNotSupported = 0x0122;

    /// <summary>A700H (42752): refused, out of resources (storage full).</summary>
    public const ushort OutOfResources = 0xA700;

    /// <summary>A900H (43264): the data set does not match the SOP Class (a required attribute is missing or invalid).</summary>
    public const ushort DataSetDoesNotMatchSopClass = 0xA900;

    /// <summary>
    /// A901H (43265): the Study Instance UID in the object differs from the one in the request URL (POST
    /// /studies/{study}, PS3.18 10.5.1). Not in PS3.18 I.2.2; a value of the A9xx "does not match" family.
    /// </summary>
    public const ushort StudyInstanceUidMismatch = 0xA901;

    /// <summary>B00EH (45070): a different object is already stored under this SOP Instance UID. Not in PS3.18 I.2.2.</summary>
    public const ushort SopInstanceAlreadyExists = 0xB00E;

    /// <summary>C000H (49152): error, cannot understand — the part is not a DICOM object we can parse.</summary>
    public const ushort CannotUnderstand = 0xC000;

    /// <summary>C122H (49442): the object's transfer syntax is not supported.</summary>
    public const ushort TransferSyntaxNotSupported = 0xC122;
}
