using Pacs.Storage.Tests.Azure;
using Xunit.Abstractions;

namespace Pacs.Storage.Tests.Contract;

/// <summary>The contract against <see cref="AzureBlobStore"/> on Azurite, a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStoreContractTests(AzuriteFixture azurite, ITestOutputHelper output)
    : BlobStoreContractTests(output)
{
    private readonly List<AzureBlobStore> _stores = [];

    protected override Task<IBlobStore> CreateStoreAsync(int? blockSizeBytes, int? listPageSize)
    {
        var options = azurite.Options(AzuriteFixture.NewContainerName());
        if (blockSizeBytes is { } block)
            options.BlockSizeBytes = block;
        if (listPageSize is { } pageSize)
            options.ListPageSize = pageSize;
        var store = new AzureBlobStore(options);
        _stores.Add(store);
        return Task.FromResult<IBlobStore>(store);
    }

    protected override async Task AssertNoTraceAsync(IBlobStore store, string name)
    {
        // Uncommitted blocks of a failed put may stay (the service discards them); no blob may be committed.
        Assert.False(await store.ExistsAsync(name));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetPropertiesAsync(name));
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
            store.Dispose();
        await base.DisposeAsync();
    }
}
