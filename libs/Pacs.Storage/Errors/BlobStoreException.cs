namespace Pacs.Storage;

/// <summary>A blob store operation failed. Subclasses say why; the message always names the blob (or the store).</summary>
public class BlobStoreException : Exception
{
    public BlobStoreException() { }

    public BlobStoreException(string message) : base(message) { }

    public BlobStoreException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobStoreException(string? blobName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        BlobName = blobName;
    }

    /// <summary>The blob the operation was about; null for store-wide operations.</summary>
    public string? BlobName { get; }
}
