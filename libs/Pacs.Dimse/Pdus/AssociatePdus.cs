namespace Pacs.Dimse;

/// <summary>Fields shared by A-ASSOCIATE-RQ and A-ASSOCIATE-AC (PS3.8 9.3.2 and 9.3.3).</summary>
public abstract class AssociatePdu : Pdu
{
    /// <summary>PS3.8 7.1.1.2: the only DICOM application context name.</summary>
    public const string DicomApplicationContextName = "1.2.840.10008.3.1.1.1";

    /// <summary>Bit 0 set: version 1 (PS3.8 9.3.2).</summary>
    public ushort ProtocolVersion { get; init; } = 1;

    /// <summary>Called AE title, without the padding spaces (16 characters at most).</summary>
    public string CalledAeTitle { get; init; } = string.Empty;

    /// <summary>Calling AE title, without the padding spaces (16 characters at most).</summary>
    public string CallingAeTitle { get; init; } = string.Empty;

    public string ApplicationContextName { get; init; } = DicomApplicationContextName;

    public UserInformation UserInformation { get; init; } = new();
}

/// <summary>A-ASSOCIATE-RQ (PS3.8 9.3.2).</summary>
public sealed class AssociateRequestPdu : AssociatePdu
{
    public override PduType Type => PduType.AssociateRequest;

    public IReadOnlyList<PresentationContextProposal> PresentationContexts { get; init; } = [];
}

/// <summary>A-ASSOCIATE-AC (PS3.8 9.3.3). The AE title fields echo the request (sent, not tested on receipt).</summary>
public sealed class AssociateAcceptPdu : AssociatePdu
{
    public override PduType Type => PduType.AssociateAccept;

    public IReadOnlyList<PresentationContextResult> PresentationContexts { get; init; } = [];
}

/// <summary>A presentation context as the requestor proposes it (PS3.8 9.3.2.2): an odd ID, one abstract syntax, transfer syntaxes.</summary>
public sealed record PresentationContextProposal(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes);

/// <summary>Result/reason of a presentation context (PS3.8 Table 9-18).</summary>
public enum PresentationContextResultCode : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}

/// <summary>
/// A presentation context as the acceptor answers it (PS3.8 9.3.3.2): the ID, the result and, when accepted, the one
/// transfer syntax chosen.
/// </summary>
public sealed record PresentationContextResult(byte Id, PresentationContextResultCode Result, string TransferSyntax);
