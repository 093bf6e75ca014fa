namespace Pacs.Storage;

/// <summary>The store refused the credentials (HTTP 403): wrong account key, expired or insufficient SAS.</summary>
public sealed class BlobStoreAuthorizationException : BlobStoreException
{
    public BlobStoreAuthorizationException() { }

    public BlobStoreAuthorizationException(string message) : base(message) { }

    public BlobStoreAuthorizationException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobStoreAuthorizationException(string? blobName, string message, Exception? innerException)
        : base(blobName, message, innerException) { }
}
