namespace Pacs.Dicom;

/// <summary>
/// A value that was left in its source instead of being loaded: where it starts (absolute byte offset
/// in the source stream) and how long it is. The owner of the source (a file, a stored blob) reads it
/// when it is needed, e.g. to serve a frame by a range read.
/// </summary>
/// <param name="Offset">Absolute offset of the first value byte in the source.</param>
/// <param name="Length">Length of the value in bytes.</param>
/// <param name="BigEndian">True when the source bytes are big-endian (Explicit VR Big Endian), so binary values need swapping.</param>
public sealed record DicomBulkDataReference(long Offset, long Length, bool BigEndian = false)
{
    /// <summary>
    /// The source the offsets refer to, when the reader knew one (a file path); null when the source was a
    /// stream only its caller can reopen.
    /// </summary>
    public IDicomBulkDataSource? Source { get; init; }

    /// <summary>
    /// Where the value can be fetched when it came from a DICOM JSON or XML document as a BulkDataURI
    /// (PS3.18 F.2.6, PS3.19 A.1.5); null for values read from a DICOM stream. Such references have no
    /// offset in a source (-1) and, unless the document said so, an unknown length (-1).
    /// </summary>
    public string? Uri { get; init; }
}

/// <summary>Something that can hand out byte ranges of the object a dataset was read from.</summary>
public interface IDicomBulkDataSource
{
    /// <summary>Opens a stream over [offset, offset+length) of the source.</summary>
    Stream OpenRange(long offset, long length);
}

/// <summary>A file on disk as a bulk data source.</summary>
public sealed class DicomFileBulkDataSource : IDicomBulkDataSource
{
    public DicomFileBulkDataSource(string path) => Path = path;

    public string Path { get; }

    public Stream OpenRange(long offset, long length)
    {
        var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return new RangeStream(stream, offset, length);
    }
}
