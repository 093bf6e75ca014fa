using System.Diagnostics;
using Pacs.Storage.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Storage.Tests.Contract;

/// <summary>
/// What every <see cref="IBlobStore"/> promises, run against each implementation by a subclass. The store under test
/// uses a small block size (so multi-block uploads are cheap) and a small page size (so listings span pages).
/// </summary>
public abstract class BlobStoreContractTests : IAsyncLifetime
{
    /// <summary>Block size of <see cref="Store"/>, where the implementation has blocks.</summary>
    protected const int SmallBlockBytes = 64 * 1024;

    /// <summary>Listing page size of <see cref="Store"/>.</summary>
    protected const int SmallPageSize = 3;

    private const long LargeUploadBytes = 300L * 1024 * 1024;

    private IBlobStore? _store;

    protected BlobStoreContractTests(ITestOutputHelper output) => Output = output;

    protected ITestOutputHelper Output { get; }

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("Store not created yet.");

    /// <summary>A fresh, empty store with the given block and page sizes (null: the implementation's defaults).</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync(int? blockSizeBytes, int? listPageSize);

    /// <summary>Asserts the store holds nothing for <paramref name="name"/>: no blob, and no leftovers of a failed put.</summary>
    protected abstract Task AssertNoTraceAsync(IBlobStore store, string name);

    public async Task InitializeAsync() => _store = await CreateStoreAsync(SmallBlockBytes, SmallPageSize);

    public virtual Task DisposeAsync()
    {
        (_store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(SmallBlockBytes - 1)]
    [InlineData(SmallBlockBytes)]
    [InlineData(3 * SmallBlockBytes + 123)]
    public async Task Put_then_get_round_trips_the_bytes_with_their_sha256_and_size(int length)
    {
        var bytes = TestData.Bytes(length, seed: length);
        string name = TestData.Prefix() + "/instance/v000001";

        var put = await Store.PutAsync(name, bytes);

        Assert.Equal(name, put.Name);
        Assert.Equal(length, put.SizeBytes);
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
        Assert.Equal(BlobAccessTier.Hot, put.Tier);
        Assert.False(string.IsNullOrEmpty(put.ETag));
        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(length, read.Length);
        Assert.Equal(length, read.BlobSizeBytes);
        Assert.Equal(0, read.Offset);
        Assert.Equal(bytes, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Range_of_the_first_bytes_returns_them()
    {
        var bytes = TestData.Bytes(5000);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);

        await using var read = await Store.OpenReadAsync(name, BlobRange.First(100));

        Assert.Equal(0, read.Offset);
        Assert.Equal(100, read.Length);
        Assert.Equal(5000, read.BlobSizeBytes);
        Assert.Equal(bytes[..100], await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Range_in_the_middle_returns_those_bytes_even_across_blocks()
    {
        var bytes = TestData.Bytes(3 * SmallBlockBytes);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);
        long offset = SmallBlockBytes - 10;

        await using var read = await Store.OpenReadAsync(name, BlobRange.From(offset, SmallBlockBytes + 20));

        Assert.Equal(offset, read.Offset);
        Assert.Equal(SmallBlockBytes + 20, read.Length);
        Assert.Equal(bytes.AsSpan((int)offset, SmallBlockBytes + 20).ToArray(), await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Suffix_range_returns_the_last_bytes()
    {
        var bytes = TestData.Bytes(5000);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);

        await using var read = await Store.OpenReadAsync(name, BlobRange.Last(300));

        Assert.Equal(4700, read.Offset);
        Assert.Equal(300, read.Length);
        Assert.Equal(bytes[4700..], await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Suffix_range_longer_than_the_blob_returns_the_whole_blob()
    {
        var bytes = TestData.Bytes(50);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);

        await using var read = await Store.OpenReadAsync(name, BlobRange.Last(1000));

        Assert.Equal(bytes, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Range_running_past_the_end_is_cut_at_the_end()
    {
        var bytes = TestData.Bytes(5000);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);

        await using var read = await Store.OpenReadAsync(name, BlobRange.From(4990, 100));

        Assert.Equal(10, read.Length);
        Assert.Equal(bytes[4990..], await TestData.ReadAllAsync(read));
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(9999)]
    public async Task Range_starting_at_or_past_the_end_throws_range_not_satisfiable(long offset)
    {
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, TestData.Bytes(5000));

        var e = await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(
            () => Store.OpenReadAsync(name, BlobRange.From(offset, 10)));

        Assert.Equal(name, e.BlobName);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_range_of_an_empty_blob_is_not_satisfiable_but_the_whole_blob_reads_as_empty()
    {
        string name = TestData.Prefix() + "/empty";
        await Store.PutAsync(name, Array.Empty<byte>());

        await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(() => Store.OpenReadAsync(name, BlobRange.From(0)));
        await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(() => Store.OpenReadAsync(name, BlobRange.First(10)));
        await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(() => Store.OpenReadAsync(name, BlobRange.Last(10)));
        await using var whole = await Store.OpenReadAsync(name);
        Assert.Empty(await TestData.ReadAllAsync(whole));
    }

    [Fact]
    public async Task Put_to_an_existing_name_throws_already_exists_and_keeps_the_original()
    {
        var original = TestData.Bytes(2000, seed: 1);
        string name = TestData.Prefix() + "/a";
        var first = await Store.PutAsync(name, original, new BlobPutOptions { ContentType = "application/dicom" });

        var e = await Assert.ThrowsAsync<BlobAlreadyExistsException>(
            () => Store.PutAsync(name, TestData.Bytes(3000, seed: 2)));

        Assert.Equal(name, e.BlobName);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        var properties = await Store.GetPropertiesAsync(name);
        Assert.Equal(first.Sha256, properties.Sha256);
        Assert.Equal(2000, properties.SizeBytes);
        Assert.Equal("application/dicom", properties.ContentType);
        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(original, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Multi_block_put_to_an_existing_name_throws_already_exists_and_keeps_the_original()
    {
        var original = TestData.Bytes(100);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, original);

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(
            () => Store.PutAsync(name, new GeneratedStream(4L * SmallBlockBytes)));

        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(original, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Delete_removes_the_blob_and_says_whether_there_was_one()
    {
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, TestData.Bytes(10));

        Assert.True(await Store.DeleteAsync(name));

        Assert.False(await Store.ExistsAsync(name));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name));
        Assert.False(await Store.DeleteAsync(name));
    }

    [Fact]
    public async Task A_deleted_name_can_be_stored_again_with_new_content()
    {
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, TestData.Bytes(10, seed: 1));
        await Store.DeleteAsync(name);

        var again = TestData.Bytes(20, seed: 2);
        var put = await Store.PutAsync(name, again);

        Assert.Equal(TestData.Sha256(again), (await Store.GetPropertiesAsync(name)).Sha256);
        Assert.Equal(20, put.SizeBytes);
    }

    [Fact]
    public async Task Exists_reports_whether_a_blob_is_stored()
    {
        string name = TestData.Prefix() + "/a";
        Assert.False(await Store.ExistsAsync(name));

        await Store.PutAsync(name, TestData.Bytes(1));

        Assert.True(await Store.ExistsAsync(name));
        Assert.False(await Store.ExistsAsync(name + "x"));
    }

    [Fact]
    public async Task Properties_report_size_sha256_content_type_creation_time_tier_and_etag()
    {
        var bytes = TestData.Bytes(4321);
        string name = TestData.Prefix() + "/a";
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        var put = await Store.PutAsync(name, bytes, new BlobPutOptions { ContentType = "application/dicom" });

        var properties = await Store.GetPropertiesAsync(name);

        Assert.Equal(name, properties.Name);
        Assert.Equal(4321, properties.SizeBytes);
        Assert.Equal(TestData.Sha256(bytes), properties.Sha256);
        Assert.Equal("application/dicom", properties.ContentType);
        Assert.InRange(properties.CreatedOn, before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(BlobAccessTier.Hot, properties.Tier);
        Assert.Equal(put.ETag, properties.ETag);
        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal("application/dicom", read.ContentType);
        Assert.Equal(put.ETag, read.ETag);
    }

    [Fact]
    public async Task Missing_blob_throws_not_found_naming_it()
    {
        string name = TestData.Prefix() + "/missing";

        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.GetPropertiesAsync(name));
        Assert.Equal(name, e.BlobName);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, BlobRange.Last(5)));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.SetAccessTierAsync(name, BlobAccessTier.Cool));
    }

    [Fact]
    public async Task Access_tier_round_trips_through_every_tier_without_touching_the_content()
    {
        var bytes = TestData.Bytes(100);
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, bytes);

        foreach (var tier in new[] { BlobAccessTier.Cool, BlobAccessTier.Cold, BlobAccessTier.Hot, BlobAccessTier.Archive })
        {
            await Store.SetAccessTierAsync(name, tier);
            var properties = await Store.GetPropertiesAsync(name);
            Assert.Equal(tier, properties.Tier);
            Assert.Equal(TestData.Sha256(bytes), properties.Sha256);
            Assert.Equal(100, properties.SizeBytes);
        }
        var listed = Assert.Single(await Store.ListAsync(name).ToListAsync());
        Assert.Equal(BlobAccessTier.Archive, listed.Tier);
    }

    [Fact]
    public async Task Put_with_a_tier_stores_the_blob_in_that_tier()
    {
        string name = TestData.Prefix() + "/a";

        var put = await Store.PutAsync(name, TestData.Bytes(10), new BlobPutOptions { Tier = BlobAccessTier.Cool });

        Assert.Equal(BlobAccessTier.Cool, put.Tier);
        Assert.Equal(BlobAccessTier.Cool, (await Store.GetPropertiesAsync(name)).Tier);
    }

    [Fact]
    public async Task List_returns_every_blob_under_the_prefix_across_pages_with_properties()
    {
        string prefix = TestData.Prefix();
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 8; i++)
        {
            string name = $"{prefix}/series/{i}/v000001";
            await Store.PutAsync(name, TestData.Bytes(10 + i, seed: i));
            expected.Add(name);
        }
        await Store.PutAsync(prefix + "x/other", TestData.Bytes(1));
        await Store.PutAsync(TestData.Prefix() + "/unrelated", TestData.Bytes(1));

        var pages = new List<BlobListPage>();
        string? token = null;
        do
        {
            var page = await Store.ListPageAsync(prefix + "/", token);
            pages.Add(page);
            token = page.ContinuationToken;
            Assert.True(pages.Count < 20, "listing does not end");
        }
        while (token is not null);

        Assert.True(pages.Count >= 3, $"8 blobs in pages of {SmallPageSize} came in {pages.Count} page(s)");
        Assert.All(pages, p => Assert.True(p.Items.Count <= SmallPageSize));
        var listed = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal(expected, listed.Select(b => b.Name).ToHashSet().Order(StringComparer.Ordinal).ToList());
        Assert.Equal(expected.Count, listed.Count);
        var third = listed.Single(b => b.Name == $"{prefix}/series/3/v000001");
        Assert.Equal(13, third.SizeBytes);
        Assert.Equal(TestData.Sha256(TestData.Bytes(13, seed: 3)), third.Sha256);
        Assert.Equal(BlobAccessTier.Hot, third.Tier);
    }

    [Fact]
    public async Task List_as_async_enumerable_fetches_page_by_page_and_honours_a_page_size()
    {
        string prefix = TestData.Prefix();
        for (int i = 0; i < 5; i++)
            await Store.PutAsync($"{prefix}/{i}", TestData.Bytes(1));

        var names = await Store.ListAsync(prefix + "/", pageSize: 2).Select(b => b.Name).ToListAsync();
        var page = await Store.ListPageAsync(prefix + "/", pageSize: 2);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{prefix}/{i}").Order(StringComparer.Ordinal),
            names.Order(StringComparer.Ordinal));
        Assert.Equal(2, page.Items.Count);
        Assert.NotNull(page.ContinuationToken);
    }

    [Fact]
    public async Task List_of_a_prefix_without_blobs_is_empty()
    {
        var page = await Store.ListPageAsync(TestData.Prefix() + "/");

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(SmallBlockBytes + 100)]
    [InlineData(3 * SmallBlockBytes)]
    public async Task Source_stream_failing_mid_upload_leaves_no_blob_and_no_leftovers(long failAfter)
    {
        string name = TestData.Prefix() + "/a";
        using var source = new GeneratedStream(10L * SmallBlockBytes) { FailAfterBytes = failAfter };

        var e = await Assert.ThrowsAsync<IOException>(() => Store.PutAsync(name, source));

        Assert.Contains("on purpose", e.Message, StringComparison.Ordinal);
        await AssertNoTraceAsync(Store, name);
        Assert.Empty(await Store.ListAsync(name).ToListAsync());
    }

    [Fact]
    public async Task Cancelling_a_put_mid_upload_leaves_no_blob_and_no_leftovers()
    {
        string name = TestData.Prefix() + "/a";
        using var cancel = new CancellationTokenSource();
        using var source = new GeneratedStream(10L * SmallBlockBytes)
        {
            CancelAfterBytes = 2L * SmallBlockBytes + 5,
            CancelSource = cancel,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(name, source, null, cancel.Token));

        await AssertNoTraceAsync(Store, name);
    }

    [Fact]
    public async Task Every_operation_honours_an_already_cancelled_token()
    {
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, TestData.Bytes(10));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(name + "b", new MemoryStream(new byte[10]), null, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.OpenReadAsync(name, null, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetPropertiesAsync(name, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ExistsAsync(name, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.SetAccessTierAsync(name, BlobAccessTier.Cool, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ListPageAsync("", null, null, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.DeleteAsync(name, token));
        Assert.True(await Store.ExistsAsync(name));
        Assert.False(await Store.ExistsAsync(name + "b"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/absolute")]
    [InlineData("a/../b")]
    [InlineData("../escape")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("back\\slash")]
    [InlineData("space name")]
    [InlineData("a/b~meta")]
    public async Task Invalid_names_are_refused_before_anything_is_stored(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(name, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(name));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(name));
        Assert.Empty(await Store.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Large_streamed_upload_completes_with_memory_bounded_far_below_its_size()
    {
        var store = await CreateStoreAsync(null, null);
        try
        {
            string name = TestData.Prefix() + "/large";
            using var source = new GeneratedStream(LargeUploadBytes, seed: 7);
            // Warm up code paths and pools so the measurement sees the steady state, not first-use costs.
            await store.PutAsync(TestData.Prefix() + "/warmup", new GeneratedStream(3L * 1024 * 1024));
            GC.Collect();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();

            var put = await store.PutAsync(name, source);

            clock.Stop();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            double mbPerSecond = LargeUploadBytes / 1e6 / clock.Elapsed.TotalSeconds;
            Output.WriteLine($"{GetType().Name}: put {LargeUploadBytes / (1024 * 1024)} MiB in {clock.Elapsed.TotalSeconds:F2} s " +
                $"({mbPerSecond:F0} MB/s), allocated {allocated / (1024.0 * 1024):F1} MiB, " +
                $"working set {Environment.WorkingSet / (1024 * 1024)} MiB");
            Assert.Equal(LargeUploadBytes, put.SizeBytes);
            Assert.Equal(source.Sha256, put.Sha256);
            Assert.True(allocated < 40L * 1024 * 1024,
                $"a {LargeUploadBytes >> 20} MiB upload allocated {allocated >> 20} MiB");

            var properties = await store.GetPropertiesAsync(name);
            Assert.Equal(LargeUploadBytes, properties.SizeBytes);
            Assert.Equal(source.Sha256, properties.Sha256);
            long tailOffset = LargeUploadBytes - 4096 - 3;
            await using var tail = await store.OpenReadAsync(name, BlobRange.From(tailOffset, 4096));
            Assert.Equal(GeneratedStream.Slice(tailOffset, 4096, seed: 7), await TestData.ReadAllAsync(tail));
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public async Task Read_stream_is_forward_only_and_reports_its_length()
    {
        string name = TestData.Prefix() + "/a";
        await Store.PutAsync(name, TestData.Bytes(1000));
        await using var read = await Store.OpenReadAsync(name, BlobRange.From(100, 50));

        Assert.False(read.CanSeek);
        Assert.Equal(50, read.Length);
        var buffer = new byte[20];
        int n = await read.ReadAsync(buffer);
        Assert.Equal(n, read.Position);
        Assert.Throws<NotSupportedException>(() => read.Seek(0, SeekOrigin.Begin));
    }
    // ---------------------------------------------------------------- staged puts (stage, then commit or abandon)

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(3 * SmallBlockBytes + 123)]
    public async Task Staged_blob_is_invisible_until_committed_then_reads_back_with_its_sha256_and_size(int length)
    {
        var bytes = TestData.Bytes(length, seed: length + 7);
        string name = TestData.Prefix() + "/staged";
        using var content = new MemoryStream(bytes);

        await using var staged = await Store.StageAsync(name, content, new BlobPutOptions { ContentType = "application/dicom" });

        Assert.Equal(name, staged.Name);
        Assert.False(await Store.ExistsAsync(name));
        Assert.Empty(await Store.ListAsync(name).ToListAsync());
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name));
        // A store that read the content while staging tells what it read; one that reads at commit tells nothing yet.
        if (staged.Sha256 is not null)
        {
            Assert.Equal(TestData.Sha256(bytes), staged.Sha256);
            Assert.Equal(length, staged.SizeBytes);
        }

        var put = await staged.CommitAsync();

        Assert.Equal(name, put.Name);
        Assert.Equal(length, put.SizeBytes);
        Assert.Equal(TestData.Sha256(bytes), put.Sha256);
        var properties = await Store.GetPropertiesAsync(name);
        Assert.Equal("application/dicom", properties.ContentType);
        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(bytes, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Abandoned_staged_blob_leaves_no_blob_and_no_leftovers()
    {
        string name = TestData.Prefix() + "/abandoned";
        using var content = new MemoryStream(TestData.Bytes(3 * SmallBlockBytes));

        var staged = await Store.StageAsync(name, content);
        await staged.DisposeAsync();

        await AssertNoTraceAsync(Store, name);
        Assert.False(await Store.ExistsAsync(name));
        await Assert.ThrowsAsync<InvalidOperationException>(() => staged.CommitAsync());
        await AssertNoTraceAsync(Store, name);
    }

    [Fact]
    public async Task Commit_onto_a_name_stored_meanwhile_throws_already_exists_and_keeps_the_stored_blob()
    {
        string name = TestData.Prefix() + "/raced";
        var first = TestData.Bytes(500, seed: 1);
        using var content = new MemoryStream(TestData.Bytes(700, seed: 2));
        await using var staged = await Store.StageAsync(name, content);
        await Store.PutAsync(name, first);

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(() => staged.CommitAsync());

        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(first, await TestData.ReadAllAsync(read));
        Assert.Equal(TestData.Sha256(first), (await Store.GetPropertiesAsync(name)).Sha256);
        Assert.Single(await Store.ListAsync(name).ToListAsync());
    }

    [Fact]
    public async Task Staged_put_onto_an_existing_name_throws_already_exists_at_stage_or_commit()
    {
        string name = TestData.Prefix() + "/taken";
        var stored = TestData.Bytes(100, seed: 3);
        await Store.PutAsync(name, stored);

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(async () =>
        {
            await using var staged = await Store.StageAsync(name, new MemoryStream(TestData.Bytes(100, seed: 4)));
            await staged.CommitAsync();
        });

        await using var read = await Store.OpenReadAsync(name);
        Assert.Equal(stored, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Staged_blob_commits_once()
    {
        string name = TestData.Prefix() + "/once";
        await using var staged = await Store.StageAsync(name, new MemoryStream(TestData.Bytes(10)));
        await staged.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => staged.CommitAsync());
        await staged.DisposeAsync();

        Assert.True(await Store.ExistsAsync(name));
    }

    [Fact]
    public async Task Cancelling_a_staged_put_while_its_content_is_read_leaves_no_blob_and_no_leftovers()
    {
        string name = TestData.Prefix() + "/cancelled";
        using var cancel = new CancellationTokenSource();
        using var source = new GeneratedStream(10L * SmallBlockBytes)
        {
            CancelAfterBytes = 2L * SmallBlockBytes + 5,
            CancelSource = cancel,
        };

        // A store that stages reads (and is cancelled) in StageAsync; one that cannot, in the commit.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var staged = await Store.StageAsync(name, source, null, cancel.Token);
            await staged.CommitAsync(cancel.Token);
        });

        await AssertNoTraceAsync(Store, name);
        Assert.False(await Store.ExistsAsync(name));
    }
}
