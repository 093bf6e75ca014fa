using System.IO.Compression;

namespace Pacs.Dicom;

/// <summary>How to write an object. Defaults keep the object's own transfer syntax and make saved files durable.</summary>
public sealed record DicomWriteOptions
{
    public static DicomWriteOptions Default { get; } = new();

    /// <summary>
    /// The transfer syntax to write the data set in. Null (the default) keeps the object's own
    /// (<see cref="DicomFile.TransferSyntax"/>). Changing between the uncompressed syntaxes needs nothing more; to or from
    /// an encapsulated syntax the pixel data must be re-encoded, which needs <see cref="PixelDataTranscoder"/>.
    /// </summary>
    public DicomTransferSyntax? TransferSyntax { get; init; }

    /// <summary>
    /// Where to read bulk data whose <see cref="DicomBulkDataReference.Source"/> is null (the object was read from a
    /// stream only its caller can reopen). Null: such a value cannot be written and the writer throws, naming the element.
    /// </summary>
    public IDicomBulkDataSource? BulkDataSource { get; init; }

    /// <summary>Compression level for Deflated Explicit VR Little Endian (PS3.5 A.5). Default <see cref="CompressionLevel.Optimal"/>.</summary>
    public CompressionLevel DeflateCompressionLevel { get; init; } = CompressionLevel.Optimal;

    /// <summary>
    /// When saving to a path: force the temporary file (and, on Unix, the folder entry of the final name) to the disk before
    /// and after the rename, so that a saved file survives a power loss. Default true; turn off only for scratch files.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>
    /// Re-encodes pixel data when the target transfer syntax is encapsulated and the source is not, or the other way round,
    /// or both are encapsulated but differ. Null (the default): such a write throws a <see cref="DicomException"/>.
    /// </summary>
    public IDicomPixelDataTranscoder? PixelDataTranscoder { get; init; }
}

/// <summary>
/// The hook a codec (e.g. RLE Lossless, PS3.5 G) implements so the writer can change a data set's pixel data between a
/// native and an encapsulated transfer syntax, or between two encapsulated ones.
/// </summary>
public interface IDicomPixelDataTranscoder
{
    /// <summary>True when this codec can turn pixel data encoded for <paramref name="source"/> into <paramref name="target"/>.</summary>
    bool CanTranscode(DicomTransferSyntax source, DicomTransferSyntax target);

    /// <summary>
    /// A data set whose Pixel Data (and the attributes that describe it, e.g. Photometric Interpretation, Lossy Image
    /// Compression) are encoded for <paramref name="target"/>. The input must not be changed: it may be shared.
    /// </summary>
    DicomDataset Transcode(DicomDataset dataset, DicomTransferSyntax source, DicomTransferSyntax target);
}
