namespace Pacs.Storage;

/// <summary>No blob of the given name exists.</summary>
public sealed class BlobNotFoundException : BlobStoreException
{
    public BlobNotFoundException() { }

    public BlobNotFoundException(string message) : base(message) { }

    public BlobNotFoundException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobNotFoundException(string blobName, string? where, Exception? innerException)
        : base(blobName, $"Blob '{blobName}' does not exist{(where is null ? "" : " in " + where)}.", innerException) { }
}
