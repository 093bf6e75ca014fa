namespace Pacs.Dimse;

/// <summary>The User Information item (PS3.8 9.3.2.3, PS3.7 Annex D.3.3) and its sub-items.</summary>
public sealed class UserInformation
{
    /// <summary>Maximum Length sub-item (PS3.8 D.1): the largest P-DATA-TF PDU length the sender can receive; 0 = no limit.</summary>
    public uint MaximumLength { get; init; }

    /// <summary>Implementation Class UID (PS3.7 D.3.3.2); mandatory in both directions.</summary>
    public string ImplementationClassUid { get; init; } = string.Empty;

    /// <summary>Implementation Version Name (PS3.7 D.3.3.2.3): 1–16 characters, optional.</summary>
    public string? ImplementationVersionName { get; init; }

    /// <summary>Asynchronous Operations Window (PS3.7 D.3.3.3); null = not negotiated, i.e. one operation at a time.</summary>
    public AsynchronousOperationsWindow? AsynchronousOperationsWindow { get; init; }

    /// <summary>SCP/SCU Role Selection items (PS3.7 D.3.3.4), one per SOP class.</summary>
    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];

    /// <summary>SOP Class Extended Negotiation items (PS3.7 D.3.3.5).</summary>
    public IReadOnlyList<SopClassExtendedNegotiation> ExtendedNegotiations { get; init; } = [];

    /// <summary>SOP Class Common Extended Negotiation items (PS3.7 D.3.3.6); request only.</summary>
    public IReadOnlyList<SopClassCommonExtendedNegotiation> CommonExtendedNegotiations { get; init; } = [];

    /// <summary>User Identity Negotiation, request form (PS3.7 D.3.3.7.1).</summary>
    public UserIdentityRequest? UserIdentityRequest { get; init; }

    /// <summary>User Identity Negotiation, accept form (PS3.7 D.3.3.7.2): the server response.</summary>
    public UserIdentityResponse? UserIdentityResponse { get; init; }
}

/// <summary>Maximum number of outstanding operations invoked and performed (PS3.7 D.3.3.3); 0 means unlimited.</summary>
public sealed record AsynchronousOperationsWindow(ushort MaxOperationsInvoked, ushort MaxOperationsPerformed);

/// <summary>
/// SCP/SCU Role Selection (PS3.7 D.3.3.4): whether the association-requestor takes the SCU role, the SCP role or both for
/// a SOP class. In an A-ASSOCIATE-AC the flags say what the acceptor agreed to.
/// </summary>
public sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole);

/// <summary>SOP Class Extended Negotiation (PS3.7 D.3.3.5): service-class-specific application information bytes.</summary>
public sealed record SopClassExtendedNegotiation(string SopClassUid, ReadOnlyMemory<byte> ServiceClassApplicationInformation);

/// <summary>SOP Class Common Extended Negotiation (PS3.7 D.3.3.6).</summary>
public sealed record SopClassCommonExtendedNegotiation(string SopClassUid, string ServiceClassUid, IReadOnlyList<string> RelatedGeneralSopClassUids);

/// <summary>User identity type (PS3.7 Table D.3-14).</summary>
public enum UserIdentityType : byte
{
    Username = 1,
    UsernameAndPasscode = 2,
    KerberosServiceTicket = 3,
    SamlAssertion = 4,
    JsonWebToken = 5,
}

/// <summary>
/// User Identity Negotiation request (PS3.7 D.3.3.7.1). <see cref="PrimaryField"/> holds the username (UTF-8), the
/// Kerberos ticket, the SAML assertion or the JWT; <see cref="SecondaryField"/> the passcode for type 2 only.
/// </summary>
public sealed record UserIdentityRequest(UserIdentityType IdentityType, bool PositiveResponseRequested, ReadOnlyMemory<byte> PrimaryField, ReadOnlyMemory<byte> SecondaryField)
{
    public static UserIdentityRequest ForUsername(string username, bool positiveResponseRequested = false) =>
        new(UserIdentityType.Username, positiveResponseRequested, System.Text.Encoding.UTF8.GetBytes(username), ReadOnlyMemory<byte>.Empty);

    public static UserIdentityRequest ForUsernameAndPasscode(string username, string passcode, bool positiveResponseRequested = false) =>
        new(UserIdentityType.UsernameAndPasscode, positiveResponseRequested, System.Text.Encoding.UTF8.GetBytes(username), System.Text.Encoding.UTF8.GetBytes(passcode));

    public static UserIdentityRequest ForJsonWebToken(string token, bool positiveResponseRequested = false) =>
        new(UserIdentityType.JsonWebToken, positiveResponseRequested, System.Text.Encoding.UTF8.GetBytes(token), ReadOnlyMemory<byte>.Empty);

    /// <summary>The primary field as text (username or JWT).</summary>
    public string PrimaryText => System.Text.Encoding.UTF8.GetString(PrimaryField.Span);

    /// <summary>The secondary field as text (passcode).</summary>
    public string SecondaryText => System.Text.Encoding.UTF8.GetString(SecondaryField.Span);

    // The secrets are left out of logs and exception messages.
    public override string ToString() => $"user identity {IdentityType}" + (IdentityType is UserIdentityType.Username or UserIdentityType.UsernameAndPasscode ? $" '{PrimaryText}'" : string.Empty);
}

/// <summary>User Identity Negotiation accept (PS3.7 D.3.3.7.2): the server response (Kerberos/SAML/JWT response; empty otherwise).</summary>
public sealed record UserIdentityResponse(ReadOnlyMemory<byte> ServerResponse);
