using Pacs.Storage.Tests.Support;

namespace Pacs.Storage.Tests.FileSystem;

/// <summary>File-system-only behaviour: layout on disk, leftovers of crashes, metadata files, stale temp sweeping.</summary>
public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pacs-fs-store-").FullName;
    private readonly FakeClock _clock = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FileSystemBlobStore _store;

    // Metadata in side files, as data folders of earlier versions (and file systems without extended attributes) have.
    private readonly FileSystemBlobStore _sideFiles;

    public FileSystemBlobStoreTests()
    {
        _store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = _root, ListPageSize = 2 }, _clock);
        _sideFiles = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = _root, ListPageSize = 2, UseExtendedAttributes = false }, _clock);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private BlobPaths PathsOf(string name) => FileSystemLayout.Open(_root).For(name);

    /// <summary>The files of a shard folder other than metadata side files (final or temporary).</summary>
    private static string[] DataFilesIn(string folder) =>
        [.. Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).Contains(FileSystemLayout.MetaSuffix, StringComparison.Ordinal))];

    [Fact]
    public async Task A_blob_is_one_file_in_a_hex_shard_folder_named_after_the_blob()
    {
        await _store.PutAsync("instances/1.2.840.10008.1/v000001", TestData.Bytes(10));

        string file = Assert.Single(Directory.GetFiles(_root, "*", SearchOption.AllDirectories),
            f => !f.EndsWith("~meta", StringComparison.Ordinal) && Path.GetDirectoryName(f) != _root);
        string relative = Path.GetRelativePath(_root, file);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        Assert.Equal(2, parts.Length);
        Assert.Matches("^[0-9a-f]{2}$", parts[0]);
        Assert.Equal("instances+1.2.840.10008.1+v000001", parts[1]);
        Assert.Equal(TestData.Bytes(10), await File.ReadAllBytesAsync(file));
        Assert.Equal("2", (await File.ReadAllTextAsync(Path.Combine(_root, FileSystemLayout.MarkerFileName))).Trim());
    }

    [Fact]
    public async Task Shards_spread_many_names_over_many_folders()
    {
        for (int i = 0; i < 200; i++)
            await _store.PutAsync($"instances/1.2.3.{i}/v000001", new byte[] { 1 });

        int folders = Directory.GetDirectories(_root).Count(d => Path.GetFileName(d).Length == 2);
        // 200 names over 256 folders fill about 140 of them when the hash spreads them evenly.
        Assert.True(folders > 110, $"200 blobs landed in only {folders} shard folders");
    }

    [Fact]
    public async Task A_data_folder_of_the_earlier_two_level_layout_is_read_listed_and_written_in_that_layout()
    {
        // What an earlier version left: h0/h1 folders, a metadata side file, no layout marker.
        string root = Directory.CreateTempSubdirectory("pacs-fs-legacy-").FullName;
        try
        {
            var old = new FileSystemLayout(root, levels: 2).For("instances/1.2.3/v000001");
            Directory.CreateDirectory(old.Directory);
            await File.WriteAllBytesAsync(old.Data, TestData.Bytes(10));
            var meta = new BlobMetadataFile(10, TestData.Sha256(TestData.Bytes(10)), "application/dicom", BlobAccessTier.Hot, _clock.GetUtcNow());
            await File.WriteAllBytesAsync(old.Meta, meta.ToUtf8());

            var store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = root, ListPageSize = 1 }, _clock);
            await store.PutAsync("instances/1.2.4/v000001", TestData.Bytes(5));

            Assert.False(File.Exists(Path.Combine(root, FileSystemLayout.MarkerFileName)));
            Assert.Equal(TestData.Bytes(10), await ReadAllAsync(store, "instances/1.2.3/v000001"));
            Assert.Equal(TestData.Sha256(TestData.Bytes(10)), (await store.GetPropertiesAsync("instances/1.2.3/v000001")).Sha256);
            Assert.Equal(["instances/1.2.3/v000001", "instances/1.2.4/v000001"],
                (await store.ListAsync("instances/").Select(b => b.Name).ToListAsync()).Order(StringComparer.Ordinal));
            Assert.True(File.Exists(new FileSystemLayout(root, levels: 2).For("instances/1.2.4/v000001").Data));
            Assert.True(await store.DeleteAsync("instances/1.2.3/v000001"));
            Assert.False(File.Exists(old.Data));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_layout_marker_this_version_does_not_know_is_refused_rather_than_misread()
    {
        string root = Directory.CreateTempSubdirectory("pacs-fs-future-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, FileSystemLayout.MarkerFileName), "9\n");

            var e = Assert.Throws<InvalidOperationException>(() => new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = root }));
            Assert.Contains("layout '9'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<byte[]> ReadAllAsync(IBlobStore store, string name)
    {
        await using var read = await store.OpenReadAsync(name);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Metadata_file_beside_the_blob_holds_sha256_content_type_tier_and_time()
    {
        var bytes = TestData.Bytes(10);
        await _sideFiles.PutAsync("a/b", bytes, new BlobPutOptions { ContentType = "application/dicom" });

        string json = await File.ReadAllTextAsync(PathsOf("a/b").Meta);

        Assert.Contains($"\"sha256\":\"{TestData.Sha256(bytes)}\"", json, StringComparison.Ordinal);
        Assert.Contains("\"contentType\":\"application/dicom\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tier\":\"Hot\"", json, StringComparison.Ordinal);
        Assert.Contains("\"created\":\"2030-01-02T03:04:05", json, StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow(), (await _store.GetPropertiesAsync("a/b")).CreatedOn);
    }

    [Fact]
    public async Task Blob_whose_metadata_file_was_lost_still_reads_with_sha256_unknown_and_tier_hot()
    {
        await _sideFiles.PutAsync("a", TestData.Bytes(10), new BlobPutOptions { Tier = BlobAccessTier.Cool });
        File.Delete(PathsOf("a").Meta);

        var properties = await _store.GetPropertiesAsync("a");

        Assert.Null(properties.Sha256);
        Assert.Equal(BlobAccessTier.Hot, properties.Tier);
        Assert.Equal(10, properties.SizeBytes);
        Assert.Equal("application/octet-stream", properties.ContentType);
        await _sideFiles.SetAccessTierAsync("a", BlobAccessTier.Archive);
        Assert.Equal(BlobAccessTier.Archive, (await _store.GetPropertiesAsync("a")).Tier);
    }

    [Fact]
    public async Task Metadata_file_left_from_an_earlier_blob_of_another_size_is_ignored()
    {
        await _sideFiles.PutAsync("a", TestData.Bytes(10, seed: 1));
        byte[] oldMeta = await File.ReadAllBytesAsync(PathsOf("a").Meta);
        await _sideFiles.DeleteAsync("a");
        await _sideFiles.PutAsync("a", TestData.Bytes(20, seed: 2));
        await File.WriteAllBytesAsync(PathsOf("a").Meta, oldMeta);

        Assert.Null((await _store.GetPropertiesAsync("a")).Sha256);
    }

    [Fact]
    public async Task Metadata_is_an_extended_attribute_of_the_data_file_and_no_side_file_is_written()
    {
        if (!OperatingSystem.IsLinux())
            return; // extended attributes are used on Linux only
        var bytes = TestData.Bytes(10);
        await _store.PutAsync("a/b", bytes, new BlobPutOptions { ContentType = "application/dicom", Tier = BlobAccessTier.Cool });

        Assert.False(File.Exists(PathsOf("a/b").Meta));
        Span<byte> value = stackalloc byte[BlobMetadataFile.MaxAttributeBytes];
        int length = NativeFileSystem.TryGetAttribute(PathsOf("a/b").Data, BlobMetadataFile.AttributeName, value);
        // Small enough for ext4 to keep inside the inode (no block of its own per blob).
        Assert.InRange(length, 1, 60);
        var properties = await _store.GetPropertiesAsync("a/b");
        Assert.Equal(TestData.Sha256(bytes), properties.Sha256);
        Assert.Equal("application/dicom", properties.ContentType);
        Assert.Equal(BlobAccessTier.Cool, properties.Tier);
        Assert.Equal(_clock.GetUtcNow(), properties.CreatedOn);
        Assert.Equal(["a/b"], await _store.ListAsync("").Select(b => b.Name).ToListAsync());
    }

    [Fact]
    public async Task A_data_folder_whose_metadata_is_in_side_files_reads_the_same_with_attributes_on()
    {
        var bytes = TestData.Bytes(10);
        var put = await _sideFiles.PutAsync("old", bytes, new BlobPutOptions { ContentType = "application/dicom", Tier = BlobAccessTier.Cold });
        Assert.True(File.Exists(PathsOf("old").Meta));

        var properties = await _store.GetPropertiesAsync("old");

        Assert.Equal(TestData.Sha256(bytes), properties.Sha256);
        Assert.Equal("application/dicom", properties.ContentType);
        Assert.Equal(BlobAccessTier.Cold, properties.Tier);
        Assert.Equal(put.ETag, properties.ETag);
    }

    [Fact]
    public async Task A_tier_change_of_a_blob_with_a_side_file_keeps_its_metadata_and_the_new_tier_wins()
    {
        var bytes = TestData.Bytes(10);
        await _sideFiles.PutAsync("old", bytes, new BlobPutOptions { ContentType = "text/x-custom" });

        await _store.SetAccessTierAsync("old", BlobAccessTier.Archive);

        var properties = await _store.GetPropertiesAsync("old");
        Assert.Equal(BlobAccessTier.Archive, properties.Tier);
        Assert.Equal(TestData.Sha256(bytes), properties.Sha256);
        Assert.Equal("text/x-custom", properties.ContentType);
        Assert.Equal(BlobAccessTier.Archive, (await _sideFiles.GetPropertiesAsync("old")).Tier);
    }

    [Fact]
    public async Task A_tier_change_by_a_store_without_attributes_of_a_blob_whose_metadata_is_an_attribute_is_read_back()
    {
        if (!OperatingSystem.IsLinux())
            return; // extended attributes are used on Linux only
        await _store.PutAsync("a", TestData.Bytes(10), new BlobPutOptions { Tier = BlobAccessTier.Hot });

        await _sideFiles.SetAccessTierAsync("a", BlobAccessTier.Cool);

        Assert.Equal(BlobAccessTier.Cool, (await _store.GetPropertiesAsync("a")).Tier);
        Assert.Equal(BlobAccessTier.Cool, (await _sideFiles.GetPropertiesAsync("a")).Tier);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_put_from_a_memory_stream_stores_the_bytes_from_its_position_on_and_leaves_it_at_its_end(bool visibleBuffer)
    {
        var bytes = TestData.Bytes(1000);
        using var source = new MemoryStream(bytes, 100, 800, writable: false, publiclyVisible: visibleBuffer) { Position = 50 };

        var put = await _store.PutAsync("m", source);

        var expected = bytes.AsSpan(150, 750).ToArray();
        Assert.Equal(750, put.SizeBytes);
        Assert.Equal(TestData.Sha256(expected), put.Sha256);
        Assert.Equal(expected, await ReadAllAsync(_store, "m"));
        Assert.Equal(source.Length, source.Position);
    }

    [Theory]
    [InlineData("application/dicom", true)]
    [InlineData("application/octet-stream", false)]
    [InlineData("image/jp2; charset=\u00e9", true)]
    public void The_binary_metadata_form_reads_back_what_was_written(string contentType, bool withSha)
    {
        var meta = new BlobMetadataFile(1234567890123, withSha ? TestData.Sha256(TestData.Bytes(3)) : null, contentType,
            BlobAccessTier.Cold, new DateTimeOffset(2031, 5, 6, 7, 8, 9, 123, TimeSpan.Zero));

        Assert.Equal(meta, BlobMetadataFile.TryParseAttribute(meta.ToAttribute()));
        Assert.Null(BlobMetadataFile.TryParseAttribute(meta.ToAttribute().AsSpan(0, 10)));
        byte[] otherFormat = meta.ToAttribute();
        otherFormat[0] = 2;
        Assert.Null(BlobMetadataFile.TryParseAttribute(otherFormat));
    }

    [Fact]
    public async Task Delete_of_a_name_never_put_whose_shard_folder_does_not_exist_answers_false()
    {
        // What a process killed between reserving a blob name and writing it leaves for the sweeper to delete.
        var paths = PathsOf("instances/1.2.3/never-written");
        Assert.False(Directory.Exists(paths.Directory));

        Assert.False(await _store.DeleteAsync("instances/1.2.3/never-written"));
        Assert.False(Directory.Exists(paths.Directory));
    }

    [Fact]
    public async Task Files_of_a_put_in_progress_are_not_blobs()
    {
        var paths = PathsOf("a");
        Directory.CreateDirectory(paths.Directory);
        await File.WriteAllBytesAsync(FileSystemLayout.NewTempPath(paths.Data), new byte[5]);
        await File.WriteAllBytesAsync(FileSystemLayout.NewTempPath(paths.Meta), new byte[5]);

        Assert.False(await _store.ExistsAsync("a"));
        Assert.Empty(await _store.ListAsync("").ToListAsync());
        await _store.PutAsync("a", new byte[] { 1 });
        Assert.Equal(["a"], await _store.ListAsync("").Select(b => b.Name).ToListAsync());
    }

    [Fact]
    public async Task Stale_temporary_files_older_than_the_age_are_removed_and_fresh_ones_and_blobs_kept()
    {
        await _store.PutAsync("kept", TestData.Bytes(10));
        var paths = PathsOf("crashed");
        Directory.CreateDirectory(paths.Directory);
        string stale = FileSystemLayout.NewTempPath(paths.Data);
        string staleMeta = FileSystemLayout.NewTempPath(paths.Meta);
        string fresh = FileSystemLayout.NewTempPath(paths.Data);
        foreach (string file in new[] { stale, staleMeta, fresh })
            await File.WriteAllBytesAsync(file, new byte[3]);
        var now = _clock.GetUtcNow().UtcDateTime;
        File.SetLastWriteTimeUtc(stale, now.AddHours(-2));
        File.SetLastWriteTimeUtc(staleMeta, now.AddHours(-2));
        File.SetLastWriteTimeUtc(fresh, now.AddMinutes(-5));
        foreach (string file in Directory.GetFiles(PathsOf("kept").Directory))
            File.SetLastWriteTimeUtc(file, now.AddDays(-30));

        int removed = await _store.RemoveStaleTemporaryFilesAsync(TimeSpan.FromHours(1));

        Assert.Equal(2, removed);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleMeta));
        Assert.True(File.Exists(fresh));
        Assert.Equal(TestData.Sha256(TestData.Bytes(10)), (await _store.GetPropertiesAsync("kept")).Sha256);
    }

    [Fact]
    public async Task Staged_content_is_a_synced_temporary_file_beside_the_final_name_until_the_commit_renames_it()
    {
        var paths = PathsOf("instances/1.2.3/staged");
        var bytes = TestData.Bytes(5000, seed: 11);

        await using var staged = await _store.StageAsync("instances/1.2.3/staged", new MemoryStream(bytes));

        Assert.False(File.Exists(paths.Data));
        // (A metadata side file stands beside it only where the file system keeps no extended attributes.)
        string temp = Assert.Single(DataFilesIn(paths.Directory));
        Assert.True(FileSystemLayout.IsTempFile(Path.GetFileName(temp)));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(temp));
        Assert.Empty(await _store.ListAsync("").ToListAsync());

        await staged.CommitAsync();

        Assert.Equal([paths.Data], DataFilesIn(paths.Directory));
        Assert.DoesNotContain(Directory.GetFiles(paths.Directory), f => FileSystemLayout.IsTempFile(Path.GetFileName(f)));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(paths.Data));
        Assert.Equal(TestData.Sha256(bytes), (await _store.GetPropertiesAsync("instances/1.2.3/staged")).Sha256);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Abandoning_a_staged_blob_removes_its_temporary_data_and_metadata_files(bool extendedAttributes)
    {
        var store = extendedAttributes ? _store : _sideFiles;
        var paths = PathsOf("abandoned");

        var staged = await store.StageAsync("abandoned", new MemoryStream(TestData.Bytes(100)));
        Assert.NotEmpty(Directory.GetFiles(paths.Directory));
        await staged.DisposeAsync();

        Assert.Empty(Directory.GetFiles(paths.Directory));
    }

    [Fact]
    public async Task A_failed_commit_onto_a_stored_name_removes_the_staged_files_and_keeps_the_stored_blob_and_its_metadata()
    {
        var paths = PathsOf("taken");
        await using var staged = await _sideFiles.StageAsync("taken", new MemoryStream(TestData.Bytes(300, seed: 1)));
        await _sideFiles.PutAsync("taken", TestData.Bytes(200, seed: 2));

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(() => staged.CommitAsync());

        Assert.Equal([paths.Data, paths.Meta], Directory.GetFiles(paths.Directory).Order(StringComparer.Ordinal));
        Assert.Equal(TestData.Bytes(200, seed: 2), await File.ReadAllBytesAsync(paths.Data));
        var properties = await _sideFiles.GetPropertiesAsync("taken");
        Assert.Equal(200, properties.SizeBytes);
        Assert.Equal(TestData.Sha256(TestData.Bytes(200, seed: 2)), properties.Sha256);
    }

    [Fact]
    public async Task A_staged_file_never_committed_is_what_the_stale_sweep_removes_and_its_late_commit_then_fails_cleanly()
    {
        // What a process killed between staging and committing leaves: a synced temporary file, nothing under the name.
        var paths = PathsOf("killed");
        await using var staged = await _store.StageAsync("killed", new MemoryStream(TestData.Bytes(100)));
        var staleFiles = Directory.GetFiles(paths.Directory);
        Assert.NotEmpty(staleFiles);
        foreach (string file in staleFiles)
            File.SetLastWriteTimeUtc(file, _clock.GetUtcNow().UtcDateTime.AddHours(-2));

        Assert.Equal(staleFiles.Length, await _store.RemoveStaleTemporaryFilesAsync(TimeSpan.FromHours(1)));

        Assert.Empty(Directory.GetFiles(paths.Directory));
        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => staged.CommitAsync());
        Assert.False(await _store.ExistsAsync("killed"));
        Assert.Empty(Directory.GetFiles(paths.Directory));
    }

    [Fact]
    public async Task Staging_onto_a_stored_name_fails_before_reading_the_content()
    {
        await _store.PutAsync("stored", TestData.Bytes(10));
        var content = new MemoryStream(TestData.Bytes(10, seed: 5));

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(() => _store.StageAsync("stored", content));

        Assert.Equal(0, content.Position);
        Assert.DoesNotContain(Directory.GetFiles(PathsOf("stored").Directory), f => FileSystemLayout.IsTempFile(Path.GetFileName(f)));
    }

    [Fact]
    public async Task A_staged_put_cancelled_before_its_commit_leaves_nothing_behind()
    {
        var paths = PathsOf("cancelled");
        using var cancel = new CancellationTokenSource();
        await using var staged = await _store.StageAsync("cancelled", new MemoryStream(TestData.Bytes(100)));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => staged.CommitAsync(cancel.Token));

        Assert.Empty(Directory.GetFiles(paths.Directory));
        Assert.False(await _store.ExistsAsync("cancelled"));
    }

    [Fact]
    public async Task Orphan_metadata_files_are_swept_too()
    {
        var paths = PathsOf("gone");
        Directory.CreateDirectory(paths.Directory);
        await File.WriteAllTextAsync(paths.Meta, "{}");
        File.SetLastWriteTimeUtc(paths.Meta, _clock.GetUtcNow().UtcDateTime.AddDays(-1));

        Assert.Equal(1, await _store.RemoveStaleTemporaryFilesAsync(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(paths.Meta));
    }

    [Fact]
    public async Task A_target_that_appears_during_the_put_wins_and_the_put_fails_cleanly()
    {
        // Another writer creates the final file after the put's early check: the no-replace rename must refuse.
        var paths = PathsOf("race");
        var source = new CallbackStream(TestData.Bytes(100), () =>
        {
            Directory.CreateDirectory(paths.Directory);
            File.WriteAllBytes(paths.Data, [9, 9, 9]);
        });

        await Assert.ThrowsAsync<BlobAlreadyExistsException>(() => _store.PutAsync("race", source));

        Assert.Equal(new byte[] { 9, 9, 9 }, await File.ReadAllBytesAsync(paths.Data));
        Assert.Equal([Path.GetFileName(paths.Data)], Directory.GetFiles(paths.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Continuation_token_resumes_after_the_last_item_even_when_it_was_deleted()
    {
        for (int i = 0; i < 6; i++)
            await _store.PutAsync($"x/{i}", new byte[] { (byte)i });
        var first = await _store.ListPageAsync("x/");
        await _store.DeleteAsync(first.Items[^1].Name);

        var rest = await _store.ListAsync("x/").Select(b => b.Name).ToListAsync();
        var resumed = new List<string>(first.Items.Select(b => b.Name));
        string? token = first.ContinuationToken;
        while (token is not null)
        {
            var page = await _store.ListPageAsync("x/", token);
            resumed.AddRange(page.Items.Select(b => b.Name));
            token = page.ContinuationToken;
        }

        Assert.Equal(6, resumed.Count);
        Assert.Equal(6, resumed.Distinct().Count());
        Assert.Equal(5, rest.Count);
    }

    [Fact]
    public async Task A_token_from_elsewhere_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.ListPageAsync("", "not-a-token"));
    }

    [Fact]
    public async Task The_root_folder_is_created_when_missing()
    {
        string root = Path.Combine(_root, "nested", "store");
        var store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = root });

        await store.PutAsync("a", new byte[] { 1 });

        Assert.True(Directory.Exists(root));
    }

    private sealed class FakeClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Hands out its bytes, running a callback once just before signalling the end.</summary>
    private sealed class CallbackStream(byte[] bytes, Action atEnd) : MemoryStream(bytes)
    {
        private bool _called;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position == Length && !_called)
            {
                _called = true;
                atEnd();
            }
            return base.ReadAsync(buffer, cancellationToken);
        }
    }
}
