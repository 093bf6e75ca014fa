using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Pacs.Storage;

/// <summary>
/// A blob store in a local folder (the embedded default). Layout in <see cref="FileSystemLayout"/> and
/// docs/storage.md.
/// <para>
/// A put writes to a temporary file beside the final one and fsyncs it (the stage, <see cref="StageAsync"/>), renames
/// it to the final name with a rename that refuses an existing target, and fsyncs the folder (the commit). So a blob is either absent or whole under its name, even
/// across a crash or power loss, and a stored blob is never replaced. What a crash can leave is a temporary file
/// (recognisable by its name, never listed, removed by <see cref="RemoveStaleTemporaryFilesAsync"/>) or a blob
/// without its metadata file (listed with tier Hot and SHA-256 unknown).
/// </para>
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    internal const string DefaultContentType = "application/octet-stream";

    private const int ReadBufferBytes = 64 * 1024;

    private readonly FileSystemLayout _layout;
    private readonly FileSystemBlobStoreOptions _options;
    private readonly TimeProvider _clock;
    private volatile bool _attributesUnsupported;

    public FileSystemBlobStore(FileSystemBlobStoreOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.RootPath))
            throw new ArgumentException("FileSystemBlobStoreOptions.RootPath is required.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ListPageSize, "options.ListPageSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CopyBufferBytes, 4096, "options.CopyBufferBytes");
        _options = options;
        _clock = clock ?? TimeProvider.System;
        string root = Path.GetFullPath(options.RootPath);
        Directory.CreateDirectory(root);
        _layout = FileSystemLayout.Open(root);
    }

    /// <summary>Absolute path of the store's root folder.</summary>
    public string RootPath => _layout.Root;

    /// <summary>A stage and a commit (<see cref="StageAsync"/>): one code path for both ways of putting.</summary>
    public async Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        await using var staged = await StageAsync(name, content, options, cancellationToken).ConfigureAwait(false);
        return await staged.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the content to a temporary file beside the final one (the name a crash leaves, which
    /// <see cref="RemoveStaleTemporaryFilesAsync"/> removes) and fdatasyncs it; the commit renames it to the final name
    /// without replacing and fsyncs the folder. So the expensive half of a put (the write and the data sync) is done
    /// before the caller decides to commit, and the commit costs a rename and a folder sync.
    /// </summary>
    public async Task<IStagedBlob> StageAsync(string name, Stream content, BlobPutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        BlobPutOptions.ValidateSha256(options);
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _layout.For(name);
        // Fail before reading the source when the name is taken; the no-replace rename of the commit is what guarantees it.
        if (File.Exists(paths.Data))
            throw new BlobAlreadyExistsException(name, RootPath, null);

        string contentType = options?.ContentType ?? DefaultContentType;
        var tier = options?.Tier ?? BlobAccessTier.Hot;
        string dataTemp = FileSystemLayout.NewTempPath(paths.Data);
        string? metaTemp = null;
        bool staged = false;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.CopyBufferBytes);
        try
        {
            var (file, newFolders) = CreateTemp(name, dataTemp, paths.Directory);
            string hash;
            long size = 0;
            BlobMetadataFile meta;
            bool metaInAttribute = false;
            string? knownHash = null;
            using (file)
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                if (content is MemoryStream memory && memory.TryGetBuffer(out var whole))
                {
                    // Bytes already in memory (a spooled part) are hashed and written as they are, without the copy
                    // through the buffer; the stream is left at its end as if read.
                    // A digest the caller computed over exactly these bytes spares hashing them again.
                    var rest = whole.AsSpan((int)Math.Min(memory.Position, whole.Count));
                    knownHash = options?.Sha256;
                    if (knownHash is null)
                        sha.AppendData(rest);
                    WriteAt(name, file, rest, 0);
                    size = rest.Length;
                    memory.Seek(0, SeekOrigin.End);
                }
                while (true)
                {
                    // Errors of the caller's stream propagate as they are; only the store's own I/O is wrapped.
                    int n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    if (knownHash is not null)
                        throw new InvalidOperationException($"The memory stream given for '{name}' grew while it was being stored.");
                    sha.AppendData(buffer, 0, n);
                    // A plain write at the offset: the bytes go to the page cache and a regular file's write does not
                    // block on the device, so handing it to the thread pool (what an asynchronous write does on Unix)
                    // would only add a thread hop per buffer.
                    WriteAt(name, file, buffer.AsSpan(0, n), size);
                    size += n;
                }
                cancellationToken.ThrowIfCancellationRequested();
                hash = knownHash ?? Convert.ToHexStringLower(sha.GetHashAndReset());
                meta = new BlobMetadataFile(size, hash, contentType, tier, _clock.GetUtcNow());
                // Not made durable on its own: the metadata only repeats what the caller already knows (the archive's
                // index holds size and SHA-256). A crash may lose it; that reads as "no metadata" (tier Hot, SHA-256
                // unknown). As an attribute of the temporary file it takes the final name with the data, in one step.
                if (UseAttributes)
                    metaInAttribute = StoreIo(name, "write metadata", () => TrySetAttribute(file, meta, dataTemp));
                // The data (and the size, which fdatasync includes) must be on disk before the file takes its final
                // name: never a half-written object under that name.
                StoreIo(name, "sync", () => NativeFileSystem.SyncData(file, dataTemp));
                // Only clean pages can go, so after the sync. The whole file: the kernel caches a file's pages in
                // folios of up to megabytes and drops only those wholly inside the range it is given.
                if (_options.DropCachedPagesFromBytes is { } threshold && size >= threshold && options?.ReadSoon != true)
                    NativeFileSystem.DropCachedPages(file);
            }

            // A side file where the file system keeps no attributes: it repeats the same, and a torn one (a crash) does
            // not parse or is of another size, so it reads as "no metadata" too.
            if (!metaInAttribute)
                metaTemp = WriteTempMetadata(name, paths.Meta, meta, durable: false);
            var result = new StagedFile(this, paths, newFolders, dataTemp, metaTemp,
                new BlobPutResult(name, size, hash, ETagOf(meta.CreatedOn, size), tier));
            staged = true;
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!staged)
            {
                TryDelete(dataTemp);
                if (metaTemp is not null)
                    TryDelete(metaTemp);
            }
        }
    }

    /// <summary>A synced temporary file waiting for its rename (see <see cref="StageAsync"/>).</summary>
    private sealed class StagedFile(FileSystemBlobStore store, BlobPaths paths, string[] newFolders, string dataTemp, string? metaTemp,
        BlobPutResult result) : IStagedBlob
    {
        private bool _spent;

        public string Name => result.Name;

        public long? SizeBytes => result.SizeBytes;

        public string? Sha256 => result.Sha256;

        public Task<BlobPutResult> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_spent)
                throw new InvalidOperationException($"The staged blob '{Name}' was committed or abandoned already.");
            _spent = true;
            string name = result.Name;
            bool renamed = false;
            try
            {
                // The last point where giving up leaves nothing: after the rename the blob is there.
                cancellationToken.ThrowIfCancellationRequested();
                if (!store.StoreIo(name, "rename", () => NativeFileSystem.TryMoveNoReplace(dataTemp, paths.Data)))
                    throw new BlobAlreadyExistsException(name, store.RootPath, null);
                renamed = true;
                if (metaTemp is not null)
                {
                    // The metadata goes in only after the data: a metadata file never stands without its blob.
                    store.StoreIo(name, "rename", () => File.Move(metaTemp, paths.Meta, overwrite: true));
                    metaTemp = null;
                }
                // One fsync makes the rename durable; folders made for this put follow, child before parent (on a
                // journalling file system the first sync has usually committed them already, and the others return at once).
                store.StoreIo(name, "sync", () =>
                {
                    NativeFileSystem.FsyncDirectory(paths.Directory);
                    foreach (string parent in newFolders)
                        NativeFileSystem.FsyncDirectory(parent);
                });
                return Task.FromResult(result);
            }
            finally
            {
                if (!renamed)
                    TryDelete(dataTemp);
                if (metaTemp is not null)
                    TryDelete(metaTemp);
            }
        }

        /// <summary>Abandons a staged blob that was not committed: its temporary files are removed.</summary>
        public ValueTask DisposeAsync()
        {
            if (!_spent)
            {
                _spent = true;
                TryDelete(dataTemp);
                if (metaTemp is not null)
                    TryDelete(metaTemp);
            }
            return ValueTask.CompletedTask;
        }
    }

    private bool UseAttributes => _options.UseExtendedAttributes && !_attributesUnsupported;

    /// <summary>
    /// Sets the metadata attribute; false (and from then on side files for this store) when the file system keeps no
    /// attributes, so that a data folder on such a file system costs one failed call, not one per put.
    /// </summary>
    private bool TrySetAttribute(SafeFileHandle file, BlobMetadataFile meta, string path)
    {
        if (NativeFileSystem.TrySetAttribute(file, BlobMetadataFile.AttributeName, meta.ToAttribute(), path))
            return true;
        _attributesUnsupported = true;
        return false;
    }

    private void WriteAt(string name, SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        try
        {
            RandomAccess.Write(file, bytes, offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(name, "write", e);
        }
    }

    public Task<BlobReadStream> OpenReadAsync(string name, BlobRange? range = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _layout.For(name);
        FileStream file;
        try
        {
            file = new FileStream(paths.Data, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                ReadBufferBytes, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(name, RootPath, e);
        }
        try
        {
            long size = file.Length;
            long offset = 0, length = size;
            if (range is { } r)
            {
                (offset, length) = r.Resolve(size) ?? throw new BlobRangeNotSatisfiableException(name, r, size);
                file.Seek(offset, SeekOrigin.Begin);
            }
            var properties = Describe(name, paths, size, File.GetLastWriteTimeUtc(paths.Data));
            return Task.FromResult(new BlobReadStream(name, file, null, offset, length, size, properties.ContentType,
                properties.ETag));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _layout.For(name);
        bool existed = File.Exists(paths.Data);
        // A blob whose put never began has no shard folder either (a process killed between reserving a name and
        // writing it leaves just that, and the sweeper deletes such names): nothing to delete, not a failure.
        if (!existed && !Directory.Exists(paths.Directory))
            return Task.FromResult(false);
        // Metadata first: a crash between the two leaves a blob without metadata, never metadata without its blob.
        StoreIo(name, "delete", () =>
        {
            File.Delete(paths.Meta);
            File.Delete(paths.Data);
            if (existed)
                NativeFileSystem.FsyncDirectory(paths.Directory);
        });
        return Task.FromResult(existed);
    }

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(_layout.For(name).Data));
    }

    public Task<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _layout.For(name);
        var info = new FileInfo(paths.Data);
        if (!info.Exists)
            throw new BlobNotFoundException(name, RootPath, null);
        return Task.FromResult(Describe(name, paths, info.Length, info.LastWriteTimeUtc));
    }

    public Task SetAccessTierAsync(string name, BlobAccessTier tier, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _layout.For(name);
        var info = new FileInfo(paths.Data);
        if (!info.Exists)
            throw new BlobNotFoundException(name, RootPath, null);
        var meta = ReadMetadata(paths, info.Length, out bool fromAttribute)
            ?? new BlobMetadataFile(info.Length, null, DefaultContentType, BlobAccessTier.Hot, info.LastWriteTimeUtc);
        if (meta.Tier == tier)
            return Task.CompletedTask;
        meta = meta with { Tier = tier };
        // Where the metadata is an attribute it must stay one (a side file beside it would not be read), whatever this
        // store writes for new blobs.
        if ((UseAttributes || fromAttribute) && StoreIo(name, "write metadata",
                () => NativeFileSystem.TrySetAttributeDurably(paths.Data, BlobMetadataFile.AttributeName, meta.ToAttribute())))
        {
            // The attribute is read first; a metadata file of an earlier version of the store would only repeat the old tier.
            if (File.Exists(paths.Meta))
                StoreIo(name, "delete metadata", () => File.Delete(paths.Meta));
            return Task.CompletedTask;
        }
        string temp = WriteTempMetadata(name, paths.Meta, meta);
        try
        {
            StoreIo(name, "rename", () =>
            {
                File.Move(temp, paths.Meta, overwrite: true);
                NativeFileSystem.FsyncDirectory(paths.Directory);
            });
        }
        finally
        {
            TryDelete(temp);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Lists in a fixed order — shard folder, then file name — so a continuation token (<c>{h0}/{h1}/{file}</c>, the
    /// last item returned) resumes exactly after the last item even while blobs are added or removed.
    /// </summary>
    public Task<BlobListPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSize = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.ValidatePrefix(prefix);
        int limit = pageSize ?? _options.ListPageSize;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(pageSize));
        var after = ParseToken(continuationToken);
        var items = new List<BlobProperties>(Math.Min(limit, 1024));

        foreach (string shard in _layout.SortedShards())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? resumeAfter = null;
            if (after is { } a)
            {
                int order = string.CompareOrdinal(shard, a.Shard);
                if (order < 0)
                    continue;
                if (order == 0)
                    resumeAfter = a.File;
            }
            foreach (string file in SortedDataFiles(_layout.FolderOf(shard)))
            {
                if (resumeAfter is not null && string.CompareOrdinal(file, resumeAfter) <= 0)
                    continue;
                string name = FileSystemLayout.NameOfFile(file);
                if (!name.StartsWith(prefix, StringComparison.Ordinal) || !BlobNames.IsValid(name, out _))
                    continue;
                var paths = _layout.For(name);
                var info = new FileInfo(paths.Data);
                if (!info.Exists)
                    continue; // deleted while listing
                items.Add(Describe(name, paths, info.Length, info.LastWriteTimeUtc));
                if (items.Count == limit)
                    return Task.FromResult(new BlobListPage(items, shard + "/" + file));
            }
        }
        return Task.FromResult(new BlobListPage(items, null));
    }

    /// <summary>
    /// Removes temporary files (left by puts that crashed or were killed) whose last write is older than
    /// <paramref name="olderThan"/>, and metadata files whose blob is gone. Choose an age well above the longest
    /// put, since a put in progress writes its temporary file continuously. Returns how many files were removed.
    /// </summary>
    public Task<int> RemoveStaleTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var cutoff = _clock.GetUtcNow().UtcDateTime - olderThan;
        int removed = 0;
        foreach (string shard in _layout.SortedShards())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (string path in Directory.EnumerateFiles(_layout.FolderOf(shard)))
            {
                string file = Path.GetFileName(path);
                bool stale =
                    (FileSystemLayout.IsTempFile(file) && File.GetLastWriteTimeUtc(path) < cutoff)
                    || (FileSystemLayout.IsMetaFile(file) && File.GetLastWriteTimeUtc(path) < cutoff
                        && !File.Exists(path[..^FileSystemLayout.MetaSuffix.Length]));
                if (stale && TryDelete(path))
                    removed++;
            }
        }
        return Task.FromResult(removed);
    }

    private BlobProperties Describe(string name, BlobPaths paths, long size, DateTime lastWriteUtc)
    {
        var meta = ReadMetadata(paths, size, out _);
        var created = meta?.CreatedOn ?? new DateTimeOffset(lastWriteUtc, TimeSpan.Zero);
        return new BlobProperties(name, size, meta?.Sha256, meta?.ContentType ?? DefaultContentType, created,
            meta?.Tier ?? BlobAccessTier.Hot, ETagOf(created, size));
    }

    /// <summary>
    /// The blob's metadata: its attribute (what this store writes where it can), else the side file (what data folders
    /// of earlier versions, and file systems without attributes, have); null when neither is there and valid.
    /// </summary>
    private static BlobMetadataFile? ReadMetadata(BlobPaths paths, long dataSize, out bool fromAttribute)
    {
        Span<byte> attribute = stackalloc byte[BlobMetadataFile.MaxAttributeBytes];
        int length = NativeFileSystem.TryGetAttribute(paths.Data, BlobMetadataFile.AttributeName, attribute);
        fromAttribute = length > 0;
        if (length > 0 && BlobMetadataFile.TryParseAttribute(attribute[..length]) is { } parsed && parsed.SizeBytes == dataSize)
            return parsed;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(paths.Meta);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var meta = BlobMetadataFile.TryParse(bytes);
        return meta is not null && meta.SizeBytes == dataSize ? meta : null;
    }

    private string WriteTempMetadata(string name, string metaPath, BlobMetadataFile meta, bool durable = true)
    {
        string temp = FileSystemLayout.NewTempPath(metaPath);
        try
        {
            StoreIo(name, "write metadata", () =>
            {
                using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
                file.Write(meta.ToUtf8());
                if (durable)
                    file.Flush(flushToDisk: true);
            });
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>
    /// Creates the temporary file (O_CREAT|O_EXCL), and the shard folder first when it is missing: tried directly, since
    /// the folder mostly exists, so that an existing one costs no extra lookup. Returns the folders to fsync after the
    /// rename (see <see cref="EnsureShardDirectory"/>).
    /// </summary>
    private (SafeFileHandle File, string[] NewFolders) CreateTemp(string name, string path, string directory)
    {
        string[] newFolders = [];
        try
        {
            try
            {
                return (File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None), newFolders);
            }
            catch (DirectoryNotFoundException)
            {
                newFolders = EnsureShardDirectory(name, directory);
                return (File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None), newFolders);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(name, "create", e);
        }
    }

    /// <summary>
    /// Creates the blob's shard folder when missing. Returns the folders whose entries changed (the shard's parent, and
    /// in the two-level layout the root when the parent is new too), to be fsynced after the put's rename so that the
    /// new folders survive a crash along with the blob; syncing them then instead of now shares the work of the
    /// rename's sync.
    /// </summary>
    private string[] EnsureShardDirectory(string name, string directory)
    {
        if (Directory.Exists(directory))
            return [];
        return StoreIo(name, "create folder", () =>
        {
            string parent = Path.GetDirectoryName(directory)!;
            bool newParent = _layout.Levels == 2 && !Directory.Exists(parent);
            Directory.CreateDirectory(directory);
            return newParent ? new[] { parent, RootPath } : [parent];
        });
    }

    private static string ETagOf(DateTimeOffset created, long size) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{created.UtcTicks:x}-{size:x}\"");

    private static List<string> SortedDataFiles(string folder)
    {
        var names = new List<string>();
        try
        {
            foreach (string path in Directory.EnumerateFiles(folder))
            {
                string file = Path.GetFileName(path);
                if (FileSystemLayout.IsDataFile(file))
                    names.Add(file);
            }
        }
        catch (DirectoryNotFoundException)
        {
            return names;
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private (string Shard, string File)? ParseToken(string? token)
    {
        if (token is null)
            return null;
        int slash = token.LastIndexOf('/');
        if (slash <= 0 || slash == token.Length - 1 || !_layout.IsShard(token[..slash]))
            throw new ArgumentException($"'{token}' is not a continuation token of this store.", nameof(token));
        return (token[..slash], token[(slash + 1)..]);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
                return false;
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // best effort: a stale temporary file is removed by the next sweep
        }
    }

    private void StoreIo(string name, string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(name, what, e);
        }
    }

    private T StoreIo<T>(string name, string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(name, what, e);
        }
    }

    private async Task StoreIo(string name, string what, Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(name, what, e);
        }
    }

    private static BlobStoreException Wrap(string name, string what, Exception e) => e is UnauthorizedAccessException
        ? new BlobStoreException(name, $"Cannot {what} blob '{name}': access denied ({e.Message}).", e)
        : new BlobStoreUnavailableException(name, $"Cannot {what} blob '{name}': {e.Message}", e);
}
