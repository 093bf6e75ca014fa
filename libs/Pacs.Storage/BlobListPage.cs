namespace Pacs.Storage;

/// <summary>One page of a listing.</summary>
/// <param name="Items">The blobs of this page.</param>
/// <param name="ContinuationToken">Opaque token for the next page; null when this is the last page.</param>
public sealed record BlobListPage(IReadOnlyList<BlobProperties> Items, string? ContinuationToken);
