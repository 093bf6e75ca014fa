namespace Pacs.Dicom;

/// <summary>
/// How <see cref="DicomJsonWriter"/> (PS3.18 Annex F) and <see cref="DicomXmlWriter"/> (PS3.19 A.1) write
/// values that are large or binary. The defaults write everything that is in memory inline and refuse,
/// rather than silently drop, values that were left in their source.
/// </summary>
public sealed record DicomModelWriterOptions
{
    public static DicomModelWriterOptions Default { get; } = new();

    /// <summary>
    /// Gives the BulkDataURI of an element (PS3.18 F.2.6), e.g. a WADO-RS bulkdata URL built from the study,
    /// series and instance UIDs and the tag. Returning null, or leaving the factory null, writes the value
    /// inline. It is asked for binary values (OB, OD, OF, OL, OV, OW, UN) longer than
    /// <see cref="InlineBinaryMaxBytes"/>, for every element held as bulk data (<see cref="DicomElement.IsBulkData"/>)
    /// and for encapsulated pixel data.
    /// </summary>
    public Func<DicomElement, string?>? BulkDataUriFactory { get; init; }

    /// <summary>
    /// Binary values of at most this many bytes are always written as InlineBinary without asking
    /// <see cref="BulkDataUriFactory"/>. Default 0: the factory, when given, decides for every non-empty binary value.
    /// </summary>
    public long InlineBinaryMaxBytes { get; init; }

    /// <summary>
    /// For elements held as bulk data that get no URI (no factory, the factory returned null, and the reference
    /// carries no <see cref="DicomBulkDataReference.Uri"/>): true reads the value from its
    /// <see cref="DicomBulkDataReference.Source"/> and writes it inline; false (default) throws a
    /// <see cref="DicomException"/>, because dropping the value would silently lose data.
    /// </summary>
    public bool InlineBulkDataFromSource { get; init; }

    /// <summary>What to do with encapsulated (compressed) pixel data when the factory gives it no URI.</summary>
    public DicomEncapsulatedPixelDataMode EncapsulatedPixelData { get; init; } = DicomEncapsulatedPixelDataMode.Omit;

    /// <summary>Indent the output for people to read. Default false (compact, as served over the wire).</summary>
    public bool Indented { get; init; }
}

/// <summary>
/// The JSON and XML models have no form for the items of encapsulated pixel data (PS3.5 A.4): InlineBinary is
/// one byte string. So without a BulkDataURI the writer either leaves the element out or writes the fragments
/// joined together, which keeps the compressed bytes but not where one fragment ends and the next begins.
/// </summary>
public enum DicomEncapsulatedPixelDataMode
{
    /// <summary>Leave the element out of the document (default; what metadata responses want).</summary>
    Omit,

    /// <summary>
    /// Write InlineBinary of every fragment after the Basic Offset Table, concatenated in order. Reading it back
    /// gives a plain OB value, not a fragment sequence.
    /// </summary>
    InlineConcatenatedFragments,
}
