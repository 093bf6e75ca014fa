using System.Security.Cryptography;
using Pacs.Storage;

namespace Pacs.Archive.Bench;

/// <summary>A store that hashes and discards what is put: measures the archive's own cost (spool, parse, index) without storage I/O.</summary>
internal sealed class DiscardingBlobStore : IBlobStore
{
    public async Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long size = 0;
        int n;
        while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            size += n;
        }
        return new BlobPutResult(name, size, Convert.ToHexStringLower(hash.GetHashAndReset()), "\"0\"", BlobAccessTier.Hot);
    }

    public Task<BlobReadStream> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public Task<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetAccessTierAsync(string name, BlobAccessTier tier, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<BlobListPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new BlobListPage([], null));
}
