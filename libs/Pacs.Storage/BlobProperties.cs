namespace Pacs.Storage;

/// <summary>What a store knows about one blob.</summary>
/// <param name="Name">The blob's name.</param>
/// <param name="SizeBytes">Length of the content.</param>
/// <param name="Sha256">SHA-256 of the content as recorded at put, lower-case hex; null when the store has no
/// record of it (e.g. a blob written by another tool, or a file store whose metadata file was lost in a crash).</param>
/// <param name="ContentType">MIME type given at put.</param>
/// <param name="CreatedOn">When the blob was stored.</param>
/// <param name="Tier">Current access tier.</param>
/// <param name="ETag">Entity tag, quoted as in HTTP.</param>
public sealed record BlobProperties(
    string Name,
    long SizeBytes,
    string? Sha256,
    string ContentType,
    DateTimeOffset CreatedOn,
    BlobAccessTier Tier,
    string ETag);
