namespace Pacs.Storage;

/// <summary>A read asked for a byte range that starts at or past the end of the blob (HTTP 416).</summary>
public sealed class BlobRangeNotSatisfiableException : BlobStoreException
{
    public BlobRangeNotSatisfiableException() { }

    public BlobRangeNotSatisfiableException(string message) : base(message) { }

    public BlobRangeNotSatisfiableException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobRangeNotSatisfiableException(string blobName, BlobRange range, long? blobSizeBytes, Exception? innerException = null)
        : base(blobName, $"Range {range} of blob '{blobName}' is not satisfiable" +
            (blobSizeBytes is { } size ? $": the blob has {size} bytes." : "."), innerException)
    {
        Range = range;
        BlobSizeBytes = blobSizeBytes;
    }

    /// <summary>The range that was asked for.</summary>
    public BlobRange Range { get; }

    /// <summary>Size of the blob, when the store told it.</summary>
    public long? BlobSizeBytes { get; }
}
