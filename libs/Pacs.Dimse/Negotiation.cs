using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>Pairs what was proposed in A-ASSOCIATE-RQ with what A-ASSOCIATE-AC answered.</summary>
internal static class Negotiation
{
    public static IEnumerable<DimsePresentationContext> Combine(AssociateRequestPdu request, AssociateAcceptPdu accept)
    {
        var results = accept.PresentationContexts.ToDictionary(r => r.Id);
        var roles = accept.UserInformation.RoleSelections.ToDictionary(r => r.SopClassUid, StringComparer.Ordinal);
        foreach (var proposal in request.PresentationContexts)
        {
            // PS3.8 9.3.3.2: a context the acceptor left out counts as refused without a reason.
            if (!results.TryGetValue(proposal.Id, out var result))
            {
                result = new PresentationContextResult(proposal.Id, PresentationContextResultCode.NoReason, string.Empty);
            }

            // PS3.7 D.3.3.4: without an accepted role selection the requestor is SCU only.
            var (scu, scp) = roles.TryGetValue(proposal.AbstractSyntax, out var role) ? (role.ScuRole, role.ScpRole) : (true, false);
            var accepted = result.Result == PresentationContextResultCode.Acceptance;
            yield return new DimsePresentationContext(
                proposal.Id,
                proposal.AbstractSyntax,
                proposal.TransferSyntaxes,
                result.Result,
                accepted ? DicomTransferSyntax.Lookup(result.TransferSyntax) : null,
                scu,
                scp);
        }
    }
}
