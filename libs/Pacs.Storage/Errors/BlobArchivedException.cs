namespace Pacs.Storage;

/// <summary>
/// The blob is in the <see cref="BlobAccessTier.Archive"/> tier, whose content cannot be read until it is moved
/// (rehydrated) to another tier, which on Azure takes hours.
/// </summary>
public sealed class BlobArchivedException : BlobStoreException
{
    public BlobArchivedException() { }

    public BlobArchivedException(string message) : base(message) { }

    public BlobArchivedException(string message, Exception? innerException) : base(message, innerException) { }

    public BlobArchivedException(string blobName, string? where, Exception? innerException)
        : base(blobName, $"Blob '{blobName}'{(where is null ? "" : " in " + where)} is archived; move it to another tier before reading it.",
            innerException) { }
}
