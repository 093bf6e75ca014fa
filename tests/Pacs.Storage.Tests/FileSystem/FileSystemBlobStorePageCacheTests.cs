using System.Runtime.InteropServices;
using Pacs.Storage.Tests.Support;

namespace Pacs.Storage.Tests.FileSystem;

/// <summary>
/// What a put leaves in the operating system's page cache (<see cref="FileSystemBlobStoreOptions.DropCachedPagesFromBytes"/>,
/// <see cref="BlobPutOptions.ReadSoon"/>), and a digest the caller already computed (<see cref="BlobPutOptions.Sha256"/>).
/// Residency is read with mincore(2) over a read-only mapping of the stored file, which does not fault pages in.
/// </summary>
public sealed partial class FileSystemBlobStorePageCacheTests : IDisposable
{
    private const int Page = 4096;
    private readonly string _root = Directory.CreateTempSubdirectory("pacs-fs-cache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private FileSystemBlobStore Store(long? dropFromBytes = 256 * 1024) =>
        new(new FileSystemBlobStoreOptions { RootPath = _root, DropCachedPagesFromBytes = dropFromBytes });

    private string DataPath(string name) => FileSystemLayout.Open(_root).For(name).Data;

    [Fact]
    public async Task A_put_of_an_image_sized_blob_drops_its_cached_pages_once_it_is_on_disk()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var bytes = TestData.Bytes(1024 * 1024, seed: 3);
        await Store().PutAsync("instances/1.2.3/v000001", new MemoryStream(bytes));

        var resident = ResidentPages(DataPath("instances/1.2.3/v000001"));
        Assert.Equal(256, resident.Length);
        Assert.Equal(0, resident.Count(r => r));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(DataPath("instances/1.2.3/v000001")));
    }

    [Fact]
    public async Task A_put_smaller_than_the_threshold_stays_cached()
    {
        if (!OperatingSystem.IsLinux())
            return;
        await Store().PutAsync("instances/1.2.8/v000001", new MemoryStream(TestData.Bytes(200 * 1024, seed: 10)));

        Assert.Equal(50, ResidentPages(DataPath("instances/1.2.8/v000001")).Count(r => r));
    }

    [Fact]
    public async Task A_put_marked_read_soon_keeps_every_page_cached()
    {
        if (!OperatingSystem.IsLinux())
            return;
        await Store().PutAsync("docs/series-1/v000001", new MemoryStream(TestData.Bytes(1024 * 1024, seed: 4)),
            new BlobPutOptions { ReadSoon = true });

        var resident = ResidentPages(DataPath("docs/series-1/v000001"));
        Assert.Equal(256, resident.Count(r => r));
    }

    [Fact]
    public async Task A_store_set_to_keep_the_cache_keeps_every_page_of_a_put()
    {
        if (!OperatingSystem.IsLinux())
            return;
        await Store(dropFromBytes: null).PutAsync("instances/1.2.4/v000001", new MemoryStream(TestData.Bytes(512 * 1024, seed: 5)));

        Assert.Equal(128, ResidentPages(DataPath("instances/1.2.4/v000001")).Count(r => r));
    }

    [Fact]
    public async Task A_digest_given_for_content_in_memory_is_recorded_without_hashing_the_bytes_again()
    {
        var bytes = TestData.Bytes(100_000, seed: 6);
        // A digest of other bytes: what the store records shows whether it hashed the content itself.
        string given = TestData.Sha256(TestData.Bytes(10, seed: 7));
        var store = Store();

        var put = await store.PutAsync("instances/1.2.5/v000001", new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true),
            new BlobPutOptions { Sha256 = given });

        Assert.Equal(given, put.Sha256);
        Assert.Equal(given, (await store.GetPropertiesAsync("instances/1.2.5/v000001")).Sha256);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(DataPath("instances/1.2.5/v000001")));
    }

    [Fact]
    public async Task Content_read_from_a_stream_is_hashed_whatever_digest_is_given()
    {
        var bytes = TestData.Bytes(300_000, seed: 8);
        string other = TestData.Sha256(TestData.Bytes(10, seed: 9));
        string path = Path.Combine(_root, "source.bin");
        await File.WriteAllBytesAsync(path, bytes);

        await using var source = File.OpenRead(path);
        var put = await Store().PutAsync("instances/1.2.6/v000001", source, new BlobPutOptions { Sha256 = other });

        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("zz0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd")]
    public async Task A_digest_that_is_not_64_lowercase_hex_digits_is_refused_and_nothing_is_stored(string digest)
    {
        var store = Store();
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.PutAsync("instances/1.2.7/v000001", new MemoryStream(TestData.Bytes(10)), new BlobPutOptions { Sha256 = digest }));

        Assert.Contains("Sha256", e.Message, StringComparison.Ordinal);
        Assert.False(await store.ExistsAsync("instances/1.2.7/v000001"));
    }

    /// <summary>For each page of the file, whether it is in the page cache.</summary>
    private static bool[] ResidentPages(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(handle);
        nint map = Mmap(0, (nuint)length, ProtRead, MapShared, (int)handle.DangerousGetHandle(), 0);
        Assert.NotEqual(-1, map);
        try
        {
            var vector = new byte[(length + Page - 1) / Page];
            Assert.Equal(0, Mincore(map, (nuint)length, vector));
            return [.. vector.Select(b => (b & 1) != 0)];
        }
        finally
        {
            _ = Munmap(map, (nuint)length);
        }
    }

    private const int ProtRead = 1;
    private const int MapShared = 1;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "mincore")]
    private static partial int Mincore(nint address, nuint length, [Out] byte[] vector);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
