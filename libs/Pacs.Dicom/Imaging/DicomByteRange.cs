namespace Pacs.Dicom;

/// <summary>A run of bytes in the stored object: absolute offset of the first byte and the byte count.</summary>
/// <param name="Offset">Absolute offset in the source the data set was read from.</param>
/// <param name="Length">Number of bytes.</param>
public readonly record struct DicomByteRange(long Offset, long Length)
{
    /// <summary>The offset just past the last byte.</summary>
    public long End => Offset + Length;
}
