namespace Pacs.Storage;

/// <summary>What a put stored.</summary>
/// <param name="Name">The blob's name.</param>
/// <param name="SizeBytes">Bytes read from the source and stored.</param>
/// <param name="Sha256">SHA-256 of those bytes, lower-case hex (64 characters).</param>
/// <param name="ETag">The store's entity tag for the blob, quoted as in HTTP.</param>
/// <param name="Tier">The tier the blob was stored in.</param>
public sealed record BlobPutResult(string Name, long SizeBytes, string Sha256, string ETag, BlobAccessTier Tier);
