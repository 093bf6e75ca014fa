using Pacs.Storage.Tests.Support;

namespace Pacs.Storage.Tests.Azure;

/// <summary>SAS authorization on Azurite, with account SAS tokens made by <see cref="AzureSas"/>.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureSasTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly AzureSharedKey Key =
        new(AzureBlobStoreOptions.DevelopmentAccountName, AzureBlobStoreOptions.DevelopmentAccountKey);

    private readonly string _container = AzuriteFixture.NewContainerName();
    private readonly List<AzureBlobStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
            store.Dispose();
    }

    private AzureBlobStore SasStore(string sas)
    {
        var options = azurite.Options(_container);
        options.AccountKey = null;
        options.SasToken = sas;
        options.BlockSizeBytes = 64 * 1024;
        var store = new AzureBlobStore(options);
        _stores.Add(store);
        return store;
    }

    private static string Sas(string permissions, DateTimeOffset? expires = null) =>
        AzureSas.CreateAccountSas(Key, permissions, expires ?? DateTimeOffset.UtcNow.AddHours(1),
            DateTimeOffset.UtcNow.AddMinutes(-5), protocol: "https,http");

    [Fact]
    public async Task Account_sas_authorizes_every_operation_of_the_store()
    {
        var store = SasStore(Sas("rwdlac"));
        var small = TestData.Bytes(100);
        var large = TestData.Bytes(3 * 64 * 1024 + 5);

        await store.PutAsync("s/small", small);
        await store.PutAsync("s/large", large);
        await store.SetAccessTierAsync("s/small", BlobAccessTier.Cool);

        Assert.True(await store.ExistsAsync("s/small"));
        Assert.Equal(BlobAccessTier.Cool, (await store.GetPropertiesAsync("s/small")).Tier);
        await using (var read = await store.OpenReadAsync("s/large", BlobRange.Last(10)))
            Assert.Equal(large[^10..], await TestData.ReadAllAsync(read));
        Assert.Equal(["s/large", "s/small"], await store.ListAsync("s/").Select(b => b.Name).ToListAsync());
        Assert.True(await store.DeleteAsync("s/small"));
        Assert.False(await store.ExistsAsync("s/small"));
    }

    [Fact]
    public async Task Sas_with_a_tampered_signature_is_refused()
    {
        string sas = Sas("rwdlac");
        string tampered = sas.Replace("&sp=rwdlac", "&sp=rwdlacu", StringComparison.Ordinal);
        var store = SasStore(tampered);

        await Assert.ThrowsAsync<BlobStoreAuthorizationException>(() => store.PutAsync("a", new byte[] { 1 }));
    }

    [Fact]
    public async Task Read_only_sas_cannot_write()
    {
        using (var keyStore = new AzureBlobStore(azurite.Options(_container)))
            await keyStore.PutAsync("a", new byte[] { 1 });
        var store = SasStore(Sas("rl"));

        Assert.True(await store.ExistsAsync("a"));
        await Assert.ThrowsAsync<BlobStoreAuthorizationException>(() =>
            store.PutAsync("b", new byte[] { 1 }));
    }

    [Fact]
    public async Task Write_only_sas_can_store_a_multi_block_blob()
    {
        using var keyStore = new AzureBlobStore(azurite.Options(_container));
        await keyStore.EnsureContainerAsync();
        var store = SasStore(Sas("w"));
        var bytes = TestData.Bytes(2 * 64 * 1024 + 1);

        await store.PutAsync("w/a", bytes);

        Assert.Equal(TestData.Sha256(bytes), (await keyStore.GetPropertiesAsync("w/a")).Sha256);
        await Assert.ThrowsAsync<BlobStoreAuthorizationException>(() => store.OpenReadAsync("w/a"));
    }

    [Fact]
    public async Task Expired_sas_is_refused()
    {
        var store = SasStore(Sas("rwdlac", DateTimeOffset.UtcNow.AddMinutes(-1)));

        await Assert.ThrowsAsync<BlobStoreAuthorizationException>(() => store.ExistsAsync("a"));
    }
}
