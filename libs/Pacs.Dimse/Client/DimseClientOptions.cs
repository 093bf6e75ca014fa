using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>How an SCU association is requested. Every member has a safe default.</summary>
public sealed record DimseClientOptions
{
    public static DimseClientOptions Default { get; } = new();

    public DimseTimeouts Timeouts { get; init; } = DimseTimeouts.Default;

    public DimseAssociationLimits Limits { get; init; } = DimseAssociationLimits.Default;

    /// <summary>Asynchronous operations window to propose (PS3.7 D.3.3.3); null proposes none (one operation at a time).</summary>
    public AsynchronousOperationsWindow? AsynchronousOperationsWindow { get; init; }

    /// <summary>
    /// SCP/SCU role selections to propose (PS3.7 D.3.3.4), e.g. the storage SOP classes with the SCP role for C-GET
    /// (<see cref="ScpRoleFor"/>).
    /// </summary>
    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];

    public IReadOnlyList<SopClassExtendedNegotiation> ExtendedNegotiations { get; init; } = [];

    public IReadOnlyList<SopClassCommonExtendedNegotiation> CommonExtendedNegotiations { get; init; } = [];

    /// <summary>User identity to present (PS3.7 D.3.3.7); null for none.</summary>
    public UserIdentityRequest? UserIdentity { get; init; }

    /// <summary>TLS settings; null for plain TCP.</summary>
    public DimseTlsClientOptions? Tls { get; init; }

    /// <summary>Handles what the peer sends on this association (C-STOREs of a C-GET, N-EVENT-REPORTs); null accepts only C-ECHO.</summary>
    public DimseService? Service { get; init; }

    public string ImplementationClassUid { get; init; } = DicomImplementation.ClassUid;

    public string ImplementationVersionName { get; init; } = DicomImplementation.VersionName;

    /// <summary>Role selections taking both roles (SCU and SCP) for each SOP class, as C-GET needs for the storage classes it retrieves.</summary>
    public static IReadOnlyList<RoleSelection> ScpRoleFor(IEnumerable<string> sopClassUids) => [.. sopClassUids.Select(uid => new RoleSelection(uid, ScuRole: true, ScpRole: true))];
}
