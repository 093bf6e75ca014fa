using Pacs.Storage;

namespace Pacs.Archive.Tests.Support;

/// <summary>A blob store that passes every call through, except the faults a test arms; counts puts and listings.</summary>
public sealed class FaultyBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>When set, the next puts throw this after reading the content (as a store that fails at the end would).</summary>
    public Func<string, Exception>? FailPut { get; set; }

    /// <summary>When set, runs after a put succeeded (e.g. to break the database before the commit).</summary>
    public Func<string, Task>? AfterPut { get; set; }

    /// <summary>Number of successful puts.</summary>
    public int Puts { get; private set; }

    private int _listings;

    /// <summary>Number of listing pages asked for (every listing, the paged extension included, comes here).</summary>
    public int Listings => Volatile.Read(ref _listings);

    public async Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (FailPut is { } fail)
        {
            await content.CopyToAsync(Stream.Null, cancellationToken);
            throw fail(name);
        }
        var result = await inner.PutAsync(name, content, options, cancellationToken);
        Puts++;
        if (AfterPut is { } after)
            await after(name);
        return result;
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
}
