namespace Pacs.Storage;

/// <summary>Settings of <see cref="FileSystemBlobStore"/>.</summary>
public sealed class FileSystemBlobStoreOptions
{
    /// <summary>Folder that holds the store (created when missing). Required.</summary>
    public string RootPath { get; set; } = "";

    /// <summary>Items per listing page when the caller gives no page size. Default 1000.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Size of the one buffer a put copies through, in bytes. Default 1 MiB.</summary>
    public int CopyBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Keep each blob's metadata as an extended attribute of its data file (Linux, where the file system takes one)
    /// rather than in a <c>~meta</c> file beside it: one system call instead of a file created, written, closed and
    /// renamed per put. Metadata files of data folders written before (or with this off) are read either way.
    /// Default true.
    /// </summary>
    public bool UseExtendedAttributes { get; set; } = true;

    /// <summary>
    /// A put of at least this many bytes drops the blob's pages from the operating system's page cache once they are on
    /// disk (Linux: posix_fadvise DONTNEED of the whole file after its fdatasync); smaller blobs stay cached. An
    /// archive's large objects (images) are mostly read long after they were stored, if ever, while keeping every
    /// written page would push the index and recently read objects out of the cache; filling the cache with fresh pages
    /// also costs CPU on every write (about 1 ms per 0.5 MB, measured on the benchmark machine, a virtual machine with
    /// most of its memory never used). Puts marked <see cref="BlobPutOptions.ReadSoon"/> keep their pages whatever their size. Null keeps
    /// everything cached. Default 256 KiB.
    /// </summary>
    public long? DropCachedPagesFromBytes { get; set; } = 256 * 1024;
}
