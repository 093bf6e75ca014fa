namespace Pacs.Dimse;

/// <summary>
/// Bounds checked on every PDU header before any of its body is buffered, so a peer announcing a huge length is refused
/// without allocating for it.
/// </summary>
public sealed record PduLimits
{
    public static PduLimits Default { get; } = new();

    /// <summary>
    /// The largest P-DATA-TF PDU length (the header's length field) accepted. The association advertises this as its
    /// Maximum Length (PS3.8 D.1); a larger PDU is a protocol violation and aborts. Default 128 KiB.
    /// </summary>
    public uint MaxPDataLength { get; init; } = 128 * 1024;

    /// <summary>
    /// The largest A-ASSOCIATE-RQ/AC PDU length accepted. 128 presentation contexts with a dozen transfer syntaxes each fit
    /// in well under 100 KB. Default 256 KiB.
    /// </summary>
    public uint MaxAssociateLength { get; init; } = 256 * 1024;
}
