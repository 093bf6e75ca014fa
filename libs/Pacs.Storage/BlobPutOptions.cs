namespace Pacs.Storage;

/// <summary>Optional settings of one put.</summary>
public sealed record BlobPutOptions
{
    /// <summary>MIME type stored with the blob; <c>application/octet-stream</c> when null.</summary>
    public string? ContentType { get; init; }

    /// <summary>Tier the blob starts in; <see cref="BlobAccessTier.Hot"/> when null.</summary>
    public BlobAccessTier? Tier { get; init; }
}
