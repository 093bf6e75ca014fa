namespace Pacs.Storage;

/// <summary>
/// A store of immutable, named byte objects (blobs). Every implementation keeps the same promises:
/// <list type="bullet">
/// <item>A put streams the content through once, computing SHA-256 and size on the way; memory use does not
/// grow with the size of the content.</item>
/// <item>A put never replaces a stored blob: a put to an existing name throws
/// <see cref="BlobAlreadyExistsException"/> and leaves the stored blob as it was. New versions get new names
/// (<see cref="BlobNames"/>).</item>
/// <item>A put that fails (the source throws, the call is cancelled, the store is unreachable) leaves nothing
/// under the name.</item>
/// <item>Failures are typed: <see cref="BlobNotFoundException"/>, <see cref="BlobAlreadyExistsException"/>,
/// <see cref="BlobRangeNotSatisfiableException"/>, <see cref="BlobStoreUnavailableException"/> (transient, worth
/// retrying later) and their base <see cref="BlobStoreException"/>, each naming the blob. Cancellation surfaces
/// as <see cref="OperationCanceledException"/>.</item>
/// </list>
/// Names follow <see cref="BlobNames.Validate"/>; an invalid name throws <see cref="ArgumentException"/>.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores <paramref name="content"/> (read to its end, not disposed) under <paramref name="name"/>.</summary>
    /// <exception cref="BlobAlreadyExistsException">A blob of that name exists; it is left unchanged.</exception>
    Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// The first half of a put: reads <paramref name="content"/> to its end (not disposed), computing SHA-256 and size,
    /// and makes the bytes durable where the store can, without anything becoming visible under <paramref name="name"/>;
    /// <see cref="IStagedBlob.CommitAsync"/> is the second half. A put is a stage followed by a commit, with the same
    /// promises: a blob of that name appearing meanwhile makes the commit throw <see cref="BlobAlreadyExistsException"/>,
    /// a staging that fails or is cancelled leaves nothing, and an abandoned (disposed, never committed) staged blob
    /// leaves nothing either.
    /// <para>
    /// This default, for stores that cannot write a blob without making it visible, stages nothing: it keeps
    /// <paramref name="content"/> and puts it at commit (so its size and SHA-256 are known only then). Callers must
    /// therefore keep <paramref name="content"/> open and unread until the staged blob is committed or disposed.
    /// </para>
    /// </summary>
    /// <exception cref="BlobAlreadyExistsException">A blob of that name exists already (a store may tell only at commit).</exception>
    Task<IStagedBlob> StageAsync(string name, Stream content, BlobPutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        BlobPutOptions.ValidateSha256(options);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IStagedBlob>(new PutAtCommitStagedBlob(this, name, content, options));
    }

    /// <summary>
    /// Opens the blob, or the part of it that <paramref name="range"/> selects, for reading. The returned stream
    /// reads from the store as it is consumed; dispose it to release the file or connection.
    /// </summary>
    /// <exception cref="BlobNotFoundException"/>
    /// <exception cref="BlobRangeNotSatisfiableException">The range starts at or past the end of the blob.</exception>
    Task<BlobReadStream> OpenReadAsync(string name, BlobRange? range = null,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob. Returns false when there was none of that name (deleting is idempotent).</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Whether a blob of that name exists.</summary>
    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Size, SHA-256 (when known), content type, creation time, tier and ETag of the blob.</summary>
    /// <exception cref="BlobNotFoundException"/>
    Task<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Moves the blob to another access tier. The content is unchanged.</summary>
    /// <exception cref="BlobNotFoundException"/>
    Task SetAccessTierAsync(string name, BlobAccessTier tier, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the blobs whose names start with <paramref name="prefix"/> (empty: all). Pass the previous page's
    /// <see cref="BlobListPage.ContinuationToken"/> to get the next page; a null token means the listing is complete.
    /// A page may hold fewer than <paramref name="pageSize"/> items even when more follow.
    /// </summary>
    /// <param name="pageSize">At most this many items; null uses the store's configured page size.</param>
    Task<BlobListPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSize = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes what puts that died (a killed process, a staged blob never committed nor abandoned) left behind that is
    /// not a blob and was last written longer than <paramref name="olderThan"/> ago: the file store's temporary files.
    /// Returns how many were removed. Stores that leave nothing of the kind (Azure discards uncommitted blocks itself)
    /// have nothing to do.
    /// </summary>
    Task<int> RemoveStaleTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) => Task.FromResult(0);
}
