namespace Pacs.Gateway.Archive;

/// <summary>
/// The archive as the gateway's storage half sees it: where spooled objects go, and who confirms that they arrived.
/// Standalone, <see cref="StowRsArchiveUploader"/> talks STOW-RS and QIDO-RS to a remote archive; the embedded server
/// provides one that calls the archive's ingest and query services in process.
/// </summary>
public interface IArchiveUploader
{
    /// <summary>
    /// Sends spooled PS3.10 files to the archive and returns one result per item, in the same order. A failure of the
    /// request as a whole (archive unreachable, 5xx, timeout) is thrown as <see cref="ArchiveUnavailableException"/>
    /// (or any other exception): nothing is concluded about any item and the forwarder tries again later.
    /// </summary>
    Task<IReadOnlyList<ArchiveUploadResult>> UploadAsync(IReadOnlyList<ArchiveUploadItem> items, CancellationToken cancellationToken);

    /// <summary>
    /// Which of these SOP instances the archive holds, each with the SOP Class UID it holds it under (storage
    /// commitment, PS3.4 J). Unknown UIDs are simply absent from the answer. Throws when the archive cannot be asked.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> FindStoredAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken);
}

/// <summary>One spooled object to upload: a complete PS3.10 file.</summary>
public sealed record ArchiveUploadItem(string Path, string SopInstanceUid, long Length);

/// <summary>What became of one uploaded object.</summary>
public enum ArchiveUploadStatus
{
    /// <summary>The archive holds it now (newly stored, or the identical object already was): the spool may let it go.</summary>
    Stored,

    /// <summary>Refused for a reason that may pass (processing failure, overload): try again later.</summary>
    TransientFailure,

    /// <summary>Refused for what the object is (unreadable, conflicting content, too large): never retried, quarantined with the reason.</summary>
    PermanentFailure,
}

/// <summary>The archive's verdict on one object.</summary>
/// <param name="FailureReason">PS3.18 / PS3.4 failure reason code (0008,1197) when refused.</param>
/// <param name="Description">What the archive said, for people (logs, quarantine reason files).</param>
public sealed record ArchiveUploadResult(ArchiveUploadStatus Status, ushort? FailureReason = null, string? Description = null)
{
    public static ArchiveUploadResult Stored { get; } = new(ArchiveUploadStatus.Stored);
}

/// <summary>The archive could not be reached or failed the request as a whole; retry later.</summary>
public sealed class ArchiveUnavailableException : Exception
{
    public ArchiveUnavailableException(string message)
        : base(message)
    {
    }

    public ArchiveUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ArchiveUnavailableException()
    {
    }
}
