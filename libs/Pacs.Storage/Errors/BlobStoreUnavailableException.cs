namespace Pacs.Storage;

/// <summary>
/// The store could not be reached or answered with a transient failure (timeouts, 5xx, throttling, I/O errors), and
/// retries did not help. The operation may succeed later; a failed put left nothing under the name.
/// </summary>
public sealed class BlobStoreUnavailableException : BlobStoreException
{
    public BlobStoreUnavailableException() { }

    public BlobStoreUnavailableException(string message) : base(message) { }

    public BlobStoreUnavailableException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobStoreUnavailableException(string? blobName, string message, Exception? innerException)
        : base(blobName, message, innerException) { }
}
