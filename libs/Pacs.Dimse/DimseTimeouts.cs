namespace Pacs.Dimse;

/// <summary>
/// Every wait of an association is bounded. Defaults suit a hospital network; tests shorten them. A value of
/// <see cref="Timeout.InfiniteTimeSpan"/> disables a bound (not recommended for anything facing the network).
/// </summary>
public sealed record DimseTimeouts
{
    public static DimseTimeouts Default { get; } = new();

    /// <summary>TCP connect plus TLS handshake of an SCU. Default 15 s.</summary>
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// ARTIM (PS3.8 9.1.5): how long an accepted connection may wait for its A-ASSOCIATE-RQ (Sta2; the TLS handshake of an
    /// SCP counts here too), the application for its acceptance decision (Sta3), and a closing association for the peer
    /// to drop the connection (Sta13). Default 30 s.
    /// </summary>
    public TimeSpan Artim { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an SCU waits for A-ASSOCIATE-AC/RJ (Sta5). Default 30 s.</summary>
    public TimeSpan AssociateResponse { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the requestor waits for A-RELEASE-RP (Sta7), after which it aborts. Default 10 s.</summary>
    public TimeSpan ReleaseResponse { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An established association with no operation outstanding on either side is aborted after this long without a
    /// byte from the peer; a half-sent PDU counts as idle too. Default 120 s.
    /// </summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long an SCU waits for each response message to a request it sent (PS3.7 DIMSE timeout). Default 60 s.</summary>
    public TimeSpan DimseResponse { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one PDU may take to be written (a peer that stops reading fills the TCP window). Default 60 s.</summary>
    public TimeSpan Write { get; init; } = TimeSpan.FromSeconds(60);
}
