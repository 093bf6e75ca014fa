namespace Pacs.Storage;

/// <summary>Optional settings of one put.</summary>
public sealed record BlobPutOptions
{
    /// <summary>MIME type stored with the blob; <c>application/octet-stream</c> when null.</summary>
    public string? ContentType { get; init; }

    /// <summary>Tier the blob starts in; <see cref="BlobAccessTier.Hot"/> when null.</summary>
    public BlobAccessTier? Tier { get; init; }

    /// <summary>
    /// The SHA-256 of the content (64 lowercase hex digits) when the caller has already computed it over the very bytes
    /// it passes, or null. A store may record it instead of hashing the same bytes a second time (the file store does so
    /// for content already in memory); the caller vouches for it. Other stores, and content read from a stream, are
    /// hashed as always.
    /// </summary>
    public string? Sha256 { get; init; }

    /// <summary>
    /// The blob will be read soon (a document served to clients, say): a store that otherwise drops a new blob's bytes
    /// from the operating system's cache once they are on disk (<see cref="FileSystemBlobStoreOptions.DropCachedPagesFromBytes"/>)
    /// keeps them.
    /// </summary>
    public bool ReadSoon { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when <see cref="Sha256"/> is set but is not 64 lowercase hex digits.</summary>
    internal static void ValidateSha256(BlobPutOptions? options)
    {
        if (options?.Sha256 is { } hex && (hex.Length != 64 || !hex.All(char.IsAsciiHexDigitLower)))
            throw new ArgumentException($"BlobPutOptions.Sha256 must be 64 lowercase hexadecimal digits, not '{hex}'.", nameof(options));
    }
}
