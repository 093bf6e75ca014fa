namespace Pacs.Dicom;

/// <summary>How much of an object to read, and how to treat large values. Defaults are safe for untrusted input.</summary>
public sealed record DicomReadOptions
{
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Stop reading the top-level data set at this tag (e.g. <c>DicomTag.PixelData</c>); the element itself is not read.</summary>
    public DicomTag? StopBeforeTag { get; init; }

    /// <summary>
    /// Values longer than this many bytes are not loaded: the element keeps a <see cref="DicomBulkDataReference"/>
    /// (offset, length) instead. Encapsulated fragments follow the same rule. Default 64 KiB.
    /// </summary>
    public long BulkDataThresholdBytes { get; init; } = 64 * 1024;

    /// <summary>Deepest nesting of sequences accepted before the input is refused as malformed. Default 64.</summary>
    public int MaxSequenceDepth { get; init; } = 64;

    /// <summary>
    /// The transfer syntax of a bare data set (no preamble, no File Meta Information). Null means: sniff it
    /// (implicit or explicit VR, little or big endian) from the first element.
    /// </summary>
    public DicomTransferSyntax? BareDatasetTransferSyntax { get; init; }

    /// <summary>Where bulk data references point; set automatically when reading a file by path.</summary>
    public IDicomBulkDataSource? BulkDataSource { get; init; }
}
