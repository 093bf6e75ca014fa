using Pacs.Dimse;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>Limits and timeouts of the gateway's C-FIND, C-MOVE and C-GET. Every member has a safe default.</summary>
public sealed record QueryRetrieveOptions
{
    /// <summary>Matches fetched from the archive per QIDO-RS request while answering a C-FIND. Default 200.</summary>
    public int FindPageSize { get; init; } = 200;

    /// <summary>Instances listed per QIDO-RS request while resolving a C-MOVE or C-GET. Default 1,000.</summary>
    public int RetrieveListPageSize { get; init; } = 1000;

    /// <summary>
    /// Most distinct patients one PATIENT-level C-FIND may answer (the patients seen are remembered to answer each
    /// once). Beyond it the query is refused with A701 asking to narrow it. Default 100,000.
    /// </summary>
    public int MaxPatientsPerFind { get; init; } = 100_000;

    /// <summary>Most instances one C-MOVE or C-GET may retrieve; beyond it A702 is answered before anything is sent. Default 200,000.</summary>
    public int MaxInstancesPerRetrieve { get; init; } = 200_000;

    /// <summary>
    /// How often a C-MOVE re-opens the association to its destination after it broke (a sub-operation failed in the
    /// middle of its data set, or the destination aborted) before the remaining sub-operations are given up. Default 3.
    /// </summary>
    public int MaxDestinationReconnects { get; init; } = 3;

    /// <summary>Timeouts of the associations the gateway opens to C-MOVE destinations.</summary>
    public DimseTimeouts DestinationTimeouts { get; init; } = DimseTimeouts.Default;

    /// <summary>
    /// The site's time zone: the archive indexes date-times (DT) as written, in local time, so a C-FIND DT key with a UTC
    /// offset (PS3.5 6.2, &amp;ZZXX) is converted into this zone before it is matched. Null (the default) is the
    /// machine's time zone.
    /// </summary>
    public TimeZoneInfo? TimeZone { get; init; }

    /// <summary>TLS settings for destinations declared with TLS (client certificate, validation); null uses the platform's validation.</summary>
    public DimseTlsClientOptions? DestinationTls { get; init; }
}
