namespace Pacs.Archive;

/// <summary>
/// Failure reasons of STOW-RS (PS3.18 Table 10.5.3-2 and -3, values from PS3.4 Annex B and PS3.18), as put in the
/// Failure Reason (0008,1197) of a Failed SOP Sequence item.
/// </summary>
public static class StoreFailureReasons
{
    /// <summary>0x0110 (272): Processing failure — storage or index trouble, a concurrent operation on the same instance.</summary>
    public const ushort ProcessingFailure = 0x0110;

    /// <summary>0xA700 (42752): Refused, out of resources — the part exceeds the size limit.</summary>
    public const ushort OutOfResources = 0xA700;

    /// <summary>0xA900 (43264): Data set does not match SOP class — a required UID is missing or invalid, or the File Meta
    /// Information contradicts the data set.</summary>
    public const ushort DataSetDoesNotMatchSopClass = 0xA900;

    /// <summary>0xA901 (43265): the Study Instance UID of the instance differs from the one in the request URL.</summary>
    public const ushort StudyInstanceUidMismatch = 0xA901;

    /// <summary>0xB00E (45070): an instance with this SOP Instance UID is already stored with different content.</summary>
    public const ushort SopInstanceAlreadyExists = 0xB00E;

    /// <summary>0xC000 (49152): Cannot understand — the part is not a readable DICOM PS3.10 object.</summary>
    public const ushort CannotUnderstand = 0xC000;

    /// <summary>0xC122 (49442): the object's transfer syntax is not one DICOM defines (PS3.18 I.2.2).</summary>
    public const ushort TransferSyntaxNotSupported = 0xC122;
}

/// <summary>Warning reasons of STOW-RS (Warning Reason (0008,1196) of a Referenced SOP Sequence item).</summary>
public static class StoreWarningReasons
{
    /// <summary>0xB00E (45070): the identical instance was already stored; nothing new was written.</summary>
    public const ushort DuplicateInstance = 0xB00E;

    /// <summary>0xB000 (45056): coercion of data elements — e.g. a non-zero preamble was zeroed.</summary>
    public const ushort CoercionOfDataElements = 0xB000;

    /// <summary>0xB007 (45063): data set does not match SOP class — here, the File Meta Information names another SOP
    /// Instance UID than the data set; stored as sent, indexed under the data set's UID.</summary>
    public const ushort DataSetDoesNotMatchSopClass = 0xB007;

    /// <summary>0xB006 (45062): elements discarded / not indexed — e.g. frames could not be located for frame retrieval.</summary>
    public const ushort ElementsDiscarded = 0xB006;
}
