using Pacs.Storage.Tests.Support;

namespace Pacs.Storage.Tests.FileSystem;

/// <summary>
/// Puts of large content already in memory write their whole 4 KiB blocks past the page cache
/// (<see cref="FileSystemBlobStoreOptions.DirectWrites"/>); everything else goes through the cache. Either way the blob
/// reads back byte for byte.
/// </summary>
public sealed class FileSystemBlobStoreDirectWriteTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pacs-fs-direct-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private FileSystemBlobStore Store(bool direct = true, long? dropFromBytes = 256 * 1024) =>
        new(new FileSystemBlobStoreOptions { RootPath = _root, DirectWrites = direct, DropCachedPagesFromBytes = dropFromBytes });

    private static MemoryStream InMemory(byte[] bytes) => new(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);

    private async Task<byte[]> ReadAllAsync(FileSystemBlobStore store, string name)
    {
        await using var read = await store.OpenReadAsync(name);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(256 * 1024)]
    [InlineData(256 * 1024 + 1)]
    [InlineData(526_186)]
    [InlineData(1024 * 1024 - 1)]
    [InlineData(3 * 1024 * 1024 + 4095)]
    public async Task A_large_blob_in_memory_is_written_past_the_cache_in_whole_blocks_and_reads_back_whole(int size)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var bytes = TestData.Bytes(size, seed: size);
        var store = Store();

        var put = await store.PutAsync("instances/1.2.3/v000001", InMemory(bytes));

        Assert.Equal(size / 4096 * 4096, store.DirectWriteBytes);
        Assert.Equal(size, put.SizeBytes);
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
        Assert.Equal(bytes, await ReadAllAsync(store, "instances/1.2.3/v000001"));
    }

    [Fact]
    public async Task A_staged_direct_write_is_under_its_name_only_after_the_commit()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var bytes = TestData.Bytes(600_000, seed: 8);
        var store = Store();

        await using var staged = await store.StageAsync("instances/1.2.9/v000001", InMemory(bytes));
        Assert.False(await store.ExistsAsync("instances/1.2.9/v000001"));
        await staged.CommitAsync();

        Assert.True(store.DirectWriteBytes > 0);
        Assert.Equal(bytes, await ReadAllAsync(store, "instances/1.2.9/v000001"));
    }

    [Fact]
    public async Task Small_read_soon_and_streamed_puts_go_through_the_cache()
    {
        var store = Store();
        var small = TestData.Bytes(200 * 1024, seed: 1);
        var document = TestData.Bytes(1024 * 1024, seed: 2);
        var streamed = TestData.Bytes(1024 * 1024, seed: 3);

        await store.PutAsync("instances/1/v1", InMemory(small));
        await store.PutAsync("docs/1/v1", InMemory(document), new BlobPutOptions { ReadSoon = true });
        await store.PutAsync("instances/2/v1", new BufferedStream(new MemoryStream(streamed)));

        Assert.Equal(0, store.DirectWriteBytes);
        Assert.Equal(small, await ReadAllAsync(store, "instances/1/v1"));
        Assert.Equal(document, await ReadAllAsync(store, "docs/1/v1"));
        Assert.Equal(streamed, await ReadAllAsync(store, "instances/2/v1"));
    }

    [Theory]
    [InlineData(false, 256 * 1024)]
    [InlineData(true, null)]
    public async Task A_store_set_to_write_through_the_cache_writes_nothing_directly(bool direct, int? dropFromBytes)
    {
        var store = Store(direct, dropFromBytes);
        var bytes = TestData.Bytes(1024 * 1024, seed: 4);

        await store.PutAsync("instances/3/v1", InMemory(bytes));

        Assert.Equal(0, store.DirectWriteBytes);
        Assert.Equal(bytes, await ReadAllAsync(store, "instances/3/v1"));
    }
}
