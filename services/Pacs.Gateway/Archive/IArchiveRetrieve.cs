namespace Pacs.Gateway.Archive;

/// <summary>What WADO-RS retrieves: a study, a series of it, or one instance (PS3.18 10.4.1).</summary>
public sealed record ArchiveRetrieveTarget(string StudyInstanceUid, string? SeriesInstanceUid = null, string? SopInstanceUid = null)
{
    public override string ToString() =>
        SopInstanceUid is not null ? $"instance {SopInstanceUid}" : SeriesInstanceUid is not null ? $"series {SeriesInstanceUid}" : $"study {StudyInstanceUid}";
}

/// <summary>
/// One retrieved object: a PS3.10 file (preamble, File Meta Information, data set) read straight from the archive's
/// response. The stream is valid until the enumeration moves on; it is never held whole.
/// </summary>
public sealed class ArchiveObject(Stream content, string? transferSyntaxUid)
{
    /// <summary>The PS3.10 bytes, readable once.</summary>
    public Stream Content { get; } = content;

    /// <summary>The transfer syntax the archive said it sent (the part's transfer-syntax parameter), when it said so.</summary>
    public string? TransferSyntaxUid { get; } = transferSyntaxUid;
}

/// <summary>Why a retrieve could not be served at all.</summary>
public enum ArchiveRetrieveFailure
{
    /// <summary>Nothing of the target is stored (404), or it went away meanwhile.</summary>
    NotFound,

    /// <summary>The archive cannot deliver the transfer syntax asked for (406): a compressed object that needs a codec.</summary>
    NotConvertible,

    /// <summary>The object is in the archive tier and must be recalled first (409).</summary>
    NotOnline,

    /// <summary>The archive could not be reached or failed.</summary>
    Unavailable,
}

/// <summary>A retrieve the archive refused or could not serve; <see cref="Reason"/> says why.</summary>
public sealed class ArchiveRetrieveException : Exception
{
    public ArchiveRetrieveException() { }

    public ArchiveRetrieveException(string message) : base(message) { }

    public ArchiveRetrieveException(string message, Exception innerException) : base(message, innerException) { }

    public ArchiveRetrieveException(ArchiveRetrieveFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public ArchiveRetrieveFailure Reason { get; } = ArchiveRetrieveFailure.Unavailable;
}

/// <summary>
/// The archive's object retrieval (WADO-RS), as C-MOVE and C-GET use it: over HTTP to a remote archive
/// (<see cref="DicomWebArchiveClient"/>) or directly in the embedded server. Objects stream one after another; a
/// study is never held in memory.
/// </summary>
public interface IArchiveRetrieve
{
    /// <summary>
    /// The stored objects of <paramref name="target"/>, in the archive's order. <paramref name="transferSyntaxUid"/>
    /// null delivers each as stored; otherwise each is converted to it (which the archive can do for uncompressed and
    /// RLE sources only). The request is made when the enumeration starts.
    /// </summary>
    /// <exception cref="ArchiveRetrieveException">Raised by the enumeration when the archive refuses or fails the request as a whole.</exception>
    IAsyncEnumerable<ArchiveObject> RetrieveAsync(ArchiveRetrieveTarget target, string? transferSyntaxUid, CancellationToken cancellationToken);
}
