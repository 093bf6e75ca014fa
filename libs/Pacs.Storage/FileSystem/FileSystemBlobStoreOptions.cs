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
}
