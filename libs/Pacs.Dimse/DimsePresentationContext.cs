using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>
/// A presentation context as negotiated: what was proposed, what came of it, and the roles agreed for its SOP class
/// (PS3.7 D.3.3.4; without a role selection the requestor is SCU and the acceptor SCP).
/// </summary>
public sealed record DimsePresentationContext(
    byte Id,
    string AbstractSyntax,
    IReadOnlyList<string> ProposedTransferSyntaxes,
    PresentationContextResultCode Result,
    DicomTransferSyntax? TransferSyntax,
    bool RequestorIsScu = true,
    bool RequestorIsScp = false)
{
    public bool IsAccepted => Result == PresentationContextResultCode.Acceptance;
}

/// <summary>A presentation context an SCU asks for: an abstract syntax and the transfer syntaxes it can send, best first.</summary>
public sealed record DimsePresentationContextRequest(string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    public DimsePresentationContextRequest(string abstractSyntax, params DicomTransferSyntax[] transferSyntaxes)
        : this(abstractSyntax, transferSyntaxes.Length == 0 ? DimseTransferSyntaxes.Uncompressed : [.. transferSyntaxes.Select(t => t.Uid)])
    {
    }
}

/// <summary>Transfer syntax lists used in negotiation.</summary>
public static class DimseTransferSyntaxes
{
    /// <summary>The uncompressed syntaxes, Explicit VR Little Endian first; Implicit VR Little Endian is the default every SCP must accept (PS3.5 10.1).</summary>
    public static readonly IReadOnlyList<string> Uncompressed =
    [
        DicomTransferSyntax.ExplicitVRLittleEndian.Uid,
        DicomTransferSyntax.ImplicitVRLittleEndian.Uid,
        DicomTransferSyntax.ExplicitVRBigEndian.Uid,
    ];

    /// <summary>Every transfer syntax the DICOM core knows (a storage SCP that keeps bytes as sent can accept them all).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        .. Uncompressed,
        .. DicomUidRegistry.All.Where(u => u.Type == "Transfer Syntax" && !u.IsRetired && !Uncompressed.Contains(u.Uid)).Select(u => u.Uid),
    ];
}
