namespace Pacs.Dimse;

/// <summary>Sizes an association holds to, on both sides.</summary>
public sealed record DimseAssociationLimits
{
    public static DimseAssociationLimits Default { get; } = new();

    /// <summary>PDU framing limits; <see cref="PduLimits.MaxPDataLength"/> is advertised as our Maximum Length. Default 128 KiB.</summary>
    public PduLimits Pdu { get; init; } = PduLimits.Default;

    /// <summary>The largest P-DATA-TF PDU we send when the peer says it has no limit (PS3.8 D.1, 0). Default 128 KiB.</summary>
    public uint MaxSendPduLength { get; init; } = 128 * 1024;

    /// <summary>A command set larger than this is refused and the association aborted (commands are a few hundred bytes). Default 64 KiB.</summary>
    public int MaxCommandLength { get; init; } = 64 * 1024;

    /// <summary>
    /// Data sets other than C-STORE's (identifiers, N-service attribute lists) are assembled in memory up to this size;
    /// beyond it the association is aborted. C-STORE data sets stream to their destination and have no such bound.
    /// Default 16 MiB.
    /// </summary>
    public int MaxInMemoryDatasetLength { get; init; } = 16 * 1024 * 1024;
}
