using System.Net;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>What the acceptor answers to a user identity (PS3.7 D.3.3.7).</summary>
public sealed record DimseUserIdentityOutcome(bool Accepted, ReadOnlyMemory<byte> ServerResponse = default)
{
    public static readonly DimseUserIdentityOutcome Accept = new(true);
    public static readonly DimseUserIdentityOutcome Refuse = new(false);
}

/// <summary>Whose order decides among the transfer syntaxes both sides accept.</summary>
public enum TransferSyntaxPreference
{
    /// <summary>The first of the policy's list that the requestor proposed.</summary>
    Acceptor,

    /// <summary>
    /// The first the requestor proposed that the policy accepts: a storage SCP that keeps objects as sent takes the
    /// modality's compressed syntax rather than making it decompress.
    /// </summary>
    Requestor,
}

/// <summary>
/// Who may associate with an SCP host and on what terms: called and calling AE titles, the abstract syntaxes accepted
/// with their transfer syntaxes in order of preference, roles, the asynchronous operations window, user identity and
/// extended negotiation. Configure it with the init properties; override the virtual methods for anything more.
/// </summary>
public class DimseAssociationPolicy
{
    /// <summary>The AE titles this host answers to; null accepts any (PS3.8 Table 9-21, reason 7 otherwise).</summary>
    public IReadOnlyCollection<string>? CalledAeTitles { get; init; }

    /// <summary>The AE titles allowed to call; null allows any (PS3.8 Table 9-21, reason 3 otherwise).</summary>
    public IReadOnlyCollection<string>? CallingAeTitles { get; init; }

    /// <summary>
    /// Accepted abstract syntaxes, each with the transfer syntaxes accepted for it in order of preference: of those the
    /// requestor proposed, the first in this list wins. Verification is accepted by default.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AbstractSyntaxes { get; init; } =
        new Dictionary<string, IReadOnlyList<string>> { [DicomUid.Verification] = DimseTransferSyntaxes.Uncompressed };

    /// <summary>Whose order of transfer syntaxes wins (PS3.8 9.3.3.2 leaves the choice to the acceptor). Default <see cref="TransferSyntaxPreference.Acceptor"/>.</summary>
    public TransferSyntaxPreference TransferSyntaxPreference { get; init; } = TransferSyntaxPreference.Acceptor;

    /// <summary>
    /// When set, every storage SOP class of PS3.4 Annex B (as the UID registry lists them) is accepted with these transfer
    /// syntaxes, in this order of preference, besides <see cref="AbstractSyntaxes"/>.
    /// </summary>
    public IReadOnlyList<string>? StorageTransferSyntaxes { get; init; }

    /// <summary>
    /// The largest asynchronous operations window accepted (PS3.7 D.3.3.3); a proposal is answered with the smaller of
    /// the two. Default 1/1: one operation at a time unless configured.
    /// </summary>
    public AsynchronousOperationsWindow MaxAsynchronousOperationsWindow { get; init; } = new(1, 1);

    /// <summary>Whether a requestor asking to take the SCP role (C-GET, storage commitment) is granted it for SOP classes accepted here. Default true.</summary>
    public bool AcceptScpRole { get; init; } = true;

    /// <summary>Checks the request as a whole: application context and AE titles. Returns the rejection to send, or null.</summary>
    public virtual ValueTask<AssociateRejectPdu?> CheckAsync(AssociateRequestPdu request, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ApplicationContextName != AssociatePdu.DicomApplicationContextName)
        {
            return ValueTask.FromResult<AssociateRejectPdu?>(new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserApplicationContextNameNotSupported));
        }

        if (CalledAeTitles is { } called && !called.Contains(request.CalledAeTitle, StringComparer.Ordinal))
        {
            return ValueTask.FromResult<AssociateRejectPdu?>(new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCalledAeTitleNotRecognized));
        }

        if (CallingAeTitles is { } calling && !calling.Contains(request.CallingAeTitle, StringComparer.Ordinal))
        {
            return ValueTask.FromResult<AssociateRejectPdu?>(new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCallingAeTitleNotRecognized));
        }

        return ValueTask.FromResult<AssociateRejectPdu?>(null);
    }

    /// <summary>The transfer syntaxes accepted for an abstract syntax, best first; null when the abstract syntax is not accepted.</summary>
    public virtual IReadOnlyList<string>? AcceptedTransferSyntaxes(string abstractSyntax)
    {
        if (AbstractSyntaxes.TryGetValue(abstractSyntax, out var list))
        {
            return list;
        }

        return StorageTransferSyntaxes is { } storage && DicomUidRegistry.IsStorageSopClass(abstractSyntax) ? storage : null;
    }

    /// <summary>Answers one proposed presentation context (PS3.8 9.3.3.2).</summary>
    public virtual PresentationContextResult NegotiateContext(PresentationContextProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var accepted = AcceptedTransferSyntaxes(proposal.AbstractSyntax);
        if (accepted is null)
        {
            return new PresentationContextResult(proposal.Id, PresentationContextResultCode.AbstractSyntaxNotSupported, string.Empty);
        }

        var (preferred, other) = TransferSyntaxPreference == TransferSyntaxPreference.Requestor ? (proposal.TransferSyntaxes, accepted) : (accepted, proposal.TransferSyntaxes);
        foreach (var ts in preferred)
        {
            if (other.Contains(ts, StringComparer.Ordinal))
            {
                return new PresentationContextResult(proposal.Id, PresentationContextResultCode.Acceptance, ts);
            }
        }

        return new PresentationContextResult(proposal.Id, PresentationContextResultCode.TransferSyntaxesNotSupported, string.Empty);
    }

    /// <summary>Answers a role selection (PS3.7 D.3.3.4); null leaves it out of the A-ASSOCIATE-AC (default roles apply).</summary>
    public virtual RoleSelection? NegotiateRole(RoleSelection proposed)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        if (AcceptedTransferSyntaxes(proposed.SopClassUid) is null)
        {
            return null;
        }

        return new RoleSelection(proposed.SopClassUid, proposed.ScuRole, proposed.ScpRole && AcceptScpRole);
    }

    /// <summary>Checks a user identity (PS3.7 D.3.3.7). Default: accept without verifying, as a host without users does.</summary>
    public virtual ValueTask<DimseUserIdentityOutcome> AuthenticateAsync(UserIdentityRequest identity, EndPoint? remoteEndPoint, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DimseUserIdentityOutcome.Accept);

    /// <summary>Answers SOP class extended negotiation (PS3.7 D.3.3.5); null leaves the item out (not supported). Default null.</summary>
    public virtual ReadOnlyMemory<byte>? NegotiateExtended(SopClassExtendedNegotiation proposal) => null;
}
