namespace Pacs.Storage;

/// <summary>
/// A blob whose content <see cref="IBlobStore.StageAsync"/> has taken but that is not yet visible under its name: the
/// first half of a put, split so that the caller can do other work (reserve the name in its index) while the store
/// writes and syncs the bytes. <see cref="CommitAsync"/> makes it visible with the guarantees of
/// <see cref="IBlobStore.PutAsync"/>; disposing a staged blob that was not committed abandons it and removes whatever
/// the store had staged. Not safe for concurrent use: commit once, then dispose (or only dispose).
/// </summary>
public interface IStagedBlob : IAsyncDisposable
{
    /// <summary>The name the blob takes when committed.</summary>
    string Name { get; }

    /// <summary>Bytes read from the source, when the store read it while staging; null for a store that reads it only at commit.</summary>
    long? SizeBytes { get; }

    /// <summary>SHA-256 of those bytes, lower-case hex, when the store read them while staging; else null.</summary>
    string? Sha256 { get; }

    /// <summary>
    /// Makes the staged content visible under <see cref="Name"/>, as one step: never a partial object under the name,
    /// never a stored blob replaced. Once called (whether it succeeds or throws) the staged blob is spent: a failed
    /// commit leaves nothing under the name that was not there before, and nothing staged behind.
    /// </summary>
    /// <exception cref="BlobAlreadyExistsException">A blob of that name was stored meanwhile; it is left unchanged.</exception>
    /// <exception cref="InvalidOperationException">The blob was committed or abandoned already.</exception>
    Task<BlobPutResult> CommitAsync(CancellationToken cancellationToken = default);
}
