using System.Net;
using Pacs.Storage.Tests.Support;

namespace Pacs.Storage.Tests.Azure;

/// <summary>Azure-only behaviour on Azurite: request shapes, retries, lost answers, authorization, archive.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : IDisposable
{
    private const int BlockBytes = 64 * 1024;
    private readonly string _container = AzuriteFixture.NewContainerName();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var d in _disposables)
            d.Dispose();
    }

    private AzureBlobStore Store(FaultInjectingHandler? handler = null, Action<AzureBlobStoreOptions>? configure = null)
    {
        var options = azurite.Options(_container);
        options.BlockSizeBytes = BlockBytes;
        configure?.Invoke(options);
        HttpClient? http = null;
        if (handler is not null)
        {
            http = new HttpClient(handler);
            _disposables.Add(http);
        }
        var store = new AzureBlobStore(options, http);
        _disposables.Add(store);
        return store;
    }

    private static FaultInjectingHandler Recording() => new((_, _) => Fault.None);

    [Fact]
    public async Task Content_that_fits_one_block_goes_as_a_single_put_blob()
    {
        var handler = Recording();
        var store = Store(handler);
        await store.EnsureContainerAsync();

        await store.PutAsync("a", TestData.Bytes(BlockBytes - 1));

        Assert.Equal(["PUT "], handler.Requests.Where(r => r.StartsWith("PUT", StringComparison.Ordinal) && !r.Contains("restype", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Larger_content_goes_as_put_block_per_block_and_one_put_block_list()
    {
        var handler = Recording();
        var store = Store(handler);
        var bytes = TestData.Bytes(3 * BlockBytes + 1);

        var put = await store.PutAsync("a", bytes);

        Assert.Equal(4, handler.Count("PUT", "comp=block&"));
        Assert.Equal(1, handler.Count("PUT", "comp=blocklist"));
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
    }

    [Fact]
    public async Task Sha256_is_stored_as_blob_metadata_visible_to_any_client()
    {
        var bytes = TestData.Bytes(1000);
        var store = Store();
        await store.PutAsync("a", bytes);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"{azurite.ServiceUri}/{_container}/a");
        request.Headers.Add("x-ms-version", "2025-01-05");
        request.Headers.Add("x-ms-date", DateTime.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        new AzureSharedKey(AzureBlobStoreOptions.DevelopmentAccountName, AzureBlobStoreOptions.DevelopmentAccountKey).Sign(request);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestData.Sha256(bytes), response.Headers.GetValues("x-ms-meta-sha256").Single());
    }

    [Fact]
    public async Task Lost_answer_to_put_block_list_is_retried_and_recognised_as_our_own_commit()
    {
        int lost = 0;
        var handler = new FaultInjectingHandler((request, _) =>
            request.RequestUri!.Query.Contains("comp=blocklist", StringComparison.Ordinal) && Interlocked.Increment(ref lost) == 1
                ? Fault.LoseResponse
                : Fault.None);
        var store = Store(handler);
        var bytes = TestData.Bytes(2 * BlockBytes + 7);

        var put = await store.PutAsync("a", bytes);

        Assert.Equal(2, handler.Count("PUT", "comp=blocklist"));
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
        Assert.Equal(put.ETag, (await store.GetPropertiesAsync("a")).ETag);
        await using var read = await store.OpenReadAsync("a");
        Assert.Equal(bytes, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Lost_answer_to_put_blob_is_retried_and_recognised_as_our_own_commit()
    {
        int lost = 0;
        var handler = new FaultInjectingHandler((request, _) =>
            request.Method == HttpMethod.Put && request.RequestUri!.Query.Length == 0 && Interlocked.Increment(ref lost) == 1
                ? Fault.LoseResponse
                : Fault.None);
        var store = Store(handler);
        var bytes = TestData.Bytes(100);

        var put = await store.PutAsync("a", bytes);

        Assert.Equal(2, lost);
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
    }

    [Fact]
    public async Task Retried_create_that_meets_another_blob_throws_already_exists_and_keeps_it()
    {
        var original = TestData.Bytes(100, seed: 1);
        await Store().PutAsync("a", original);
        int failed = 0;
        // The first attempt never reaches the service; the retry meets the existing blob, whose sha256 differs.
        var handler = new FaultInjectingHandler((request, _) =>
            request.Method == HttpMethod.Put && request.RequestUri!.Query.Length == 0 && Interlocked.Increment(ref failed) == 1
                ? Fault.ServiceUnavailable
                : Fault.None);
        var store = Store(handler);

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(() => store.PutAsync("a", TestData.Bytes(100, seed: 2)));

        Assert.Equal(2, failed);
        await using var read = await store.OpenReadAsync("a");
        Assert.Equal(original, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Transient_503_answers_are_retried_until_the_service_answers()
    {
        await Store().PutAsync("a", TestData.Bytes(10));
        var handler = new FaultInjectingHandler((request, index) => index < 2 ? Fault.ServiceUnavailable : Fault.None);
        var store = Store(handler);

        var properties = await store.GetPropertiesAsync("a");

        Assert.Equal(10, properties.SizeBytes);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task A_service_that_keeps_failing_gives_unavailable_naming_the_blob_after_the_configured_attempts()
    {
        var handler = new FaultInjectingHandler((_, _) => Fault.ServiceUnavailable);
        var store = Store(handler, o => o.MaxRetryAttempts = 2);

        var e = await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.GetPropertiesAsync("some/blob"));

        Assert.Equal("some/blob", e.BlobName);
        Assert.Contains("'some/blob'", e.Message, StringComparison.Ordinal);
        Assert.Contains("503", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task An_unreachable_service_gives_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var store = Store(configure: o =>
        {
            o.ServiceUri = new Uri($"http://127.0.0.1:{port}/{AzureBlobStoreOptions.DevelopmentAccountName}");
            o.MaxRetryAttempts = 1;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });

        var e = await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.PutAsync("a", new byte[] { 1 }));

        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_an_authorization_error()
    {
        var store = Store(configure: o => o.AccountKey = Convert.ToBase64String(new byte[64]));

        var e = await Assert.ThrowsAsync<BlobStoreAuthorizationException>(() => store.PutAsync("a", new byte[] { 1 }));

        Assert.Contains("403", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_an_archived_blob_says_it_is_archived()
    {
        var store = Store();
        await store.PutAsync("cold/a", TestData.Bytes(10));
        await store.SetAccessTierAsync("cold/a", BlobAccessTier.Archive);

        var e = await Assert.ThrowsAsync<BlobArchivedException>(() => store.OpenReadAsync("cold/a"));

        Assert.Equal("cold/a", e.BlobName);
    }

    [Fact]
    public async Task The_container_is_created_on_first_put_and_a_missing_container_lists_as_empty()
    {
        var store = Store();
        Assert.Empty((await store.ListPageAsync("")).Items);
        Assert.False(await store.ExistsAsync("a"));

        await store.PutAsync("a", new byte[] { 1 });

        Assert.Single((await store.ListPageAsync("")).Items);
    }

    [Fact]
    public async Task List_on_the_service_comes_in_name_order()
    {
        var store = Store(configure: o => o.ListPageSize = 2);
        foreach (string name in new[] { "p/c", "p/a", "p/e", "p/b", "p/d" })
            await store.PutAsync(name, new byte[] { 1 });

        var names = await store.ListAsync("p/").Select(b => b.Name).ToListAsync();

        Assert.Equal(["p/a", "p/b", "p/c", "p/d", "p/e"], names);
    }
}
