namespace Pacs.Storage;

/// <summary>
/// A put named a blob that already exists. Blobs are immutable: the stored blob is unchanged, and a new version
/// needs a new name (<see cref="BlobNames"/>).
/// </summary>
public sealed class BlobAlreadyExistsException : BlobStoreException
{
    public BlobAlreadyExistsException() { }

    public BlobAlreadyExistsException(string message) : base(message) { }

    public BlobAlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobAlreadyExistsException(string blobName, string? where, Exception? innerException)
        : base(blobName, $"Blob '{blobName}' already exists{(where is null ? "" : " in " + where)}; stored blobs are never overwritten.",
            innerException) { }
}
