using Pacs.Storage;

namespace Pacs.Archive.Tests.Support;

/// <summary>A blob store that passes every call through, except the faults a test arms; counts puts and listings.</summary>
public sealed class FaultyBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>
    /// When set, the next puts throw this after reading the content (as a store that fails at the end would); a staged
    /// put fails at the stage, leaving nothing staged.
    /// </summary>
    public Func<string, Exception>? FailPut { get; set; }

    /// <summary>
    /// When set, the commits of staged puts throw this instead of committing (the staged content is abandoned first, as a
    /// failed commit leaves nothing behind).
    /// </summary>
    public Func<string, Exception>? FailCommit { get; set; }

    /// <summary>When set, runs after a put (or the commit of a staged put) succeeded (e.g. to break the database before the commit).</summary>
    public Func<string, Task>? AfterPut { get; set; }

    private int _puts;
    private int _stages;

    /// <summary>Number of successful puts, staged puts committed included.</summary>
    public int Puts => Volatile.Read(ref _puts);

    /// <summary>Number of successful stagings (committed or not).</summary>
    public int Stages => Volatile.Read(ref _stages);

    private int _listings;

    /// <summary>Number of listing pages asked for (every listing, the paged extension included, comes here).</summary>
    public int Listings => Volatile.Read(ref _listings);

    /// <summary>Reads the content to its end, as a failing store would, and throws when <see cref="FailPut"/> asks.</summary>
    private async Task FailPutIfAskedAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        if (FailPut is { } fail)
        {
            await content.CopyToAsync(Stream.Null, cancellationToken);
            throw fail(name);
        }
    }

    public async Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        await FailPutIfAskedAsync(name, content, cancellationToken);
        var result = await inner.PutAsync(name, content, options, cancellationToken);
        Interlocked.Increment(ref _puts);
        if (AfterPut is { } after)
            await after(name);
        return result;
    }

    public async Task<IStagedBlob> StageAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        await FailPutIfAskedAsync(name, content, cancellationToken);
        var staged = await inner.StageAsync(name, content, options, cancellationToken);
        Interlocked.Increment(ref _stages);
        return new Staged(this, staged);
    }

    private sealed class Staged(FaultyBlobStore owner, IStagedBlob inner) : IStagedBlob
    {
        public string Name => inner.Name;

        public long? SizeBytes => inner.SizeBytes;

        public string? Sha256 => inner.Sha256;

        public async Task<BlobPutResult> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (owner.FailCommit is { } fail)
            {
                await inner.DisposeAsync();
                throw fail(Name);
            }
            var result = await inner.CommitAsync(cancellationToken);
            Interlocked.Increment(ref owner._puts);
            if (owner.AfterPut is { } after)
                await after(Name);
            return result;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    public Task<BlobReadStream> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(name, range, cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) => inner.ExistsAsync(name, cancellationToken);

    public Task<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        inner.GetPropertiesAsync(name, cancellationToken);

    public Task SetAccessTierAsync(string name, BlobAccessTier tier, CancellationToken cancellationToken = default) =>
        inner.SetAccessTierAsync(name, tier, cancellationToken);

    public Task<BlobListPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _listings);
        return inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);
    }

    public Task<int> RemoveStaleTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) =>
        inner.RemoveStaleTemporaryFilesAsync(olderThan, cancellationToken);
}
