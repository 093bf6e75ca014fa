namespace Pacs.DicomWeb.Negotiation;

/// <summary>What the server has and can make for the target, which decides what of the acceptable media types it can honour.</summary>
public sealed record RepresentationSource
{
    /// <summary>Only media types; for resources that are not stored objects (metadata, search results, store responses, rendered images).</summary>
    public static RepresentationSource None { get; } = new();

    /// <summary>
    /// The transfer syntax the object is stored in (Instances, Frames and pixel BulkData). Null for bulk data that is not
    /// pixel data, which is always uncompressed little endian bytes.
    /// </summary>
    public string? StoredTransferSyntaxUid { get; init; }

    /// <summary>
    /// The target is one item (one instance, one frame, one bulk data value), so a single-part media type may answer it
    /// (PS3.18 10.4.4). Otherwise single-part media types are ignored.
    /// </summary>
    public bool SingleItem { get; init; }

    /// <summary>Conversions this server can make, (from UID, to UID) → possible. Default: none, everything goes as stored.</summary>
    public Func<string, string, bool>? CanTranscode { get; init; }

    /// <summary>Rendered media types the server can write, the default first (PS3.18 8.7.4: image/jpeg).</summary>
    public IReadOnlyList<string> RenderedMediaTypes { get; init; } = [DicomMediaTypes.Jpeg, DicomMediaTypes.Png];

    internal bool Transcodes(string from, string to) => CanTranscode?.Invoke(from, to) ?? false;
}
