using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.QueryRetrieve;

namespace Pacs.Gateway;

/// <summary>
/// The gateway's DIMSE services: verification, storage into the spool, storage commitment, and query/retrieve, which
/// <see cref="GatewayQueryRetrieve"/> translates to the archive's QIDO-RS and WADO-RS.
/// </summary>
public class GatewayDimseService(GatewayQueryRetrieve queryRetrieve) : DimseService
{
    public override IAsyncEnumerable<DicomDataset> OnFindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.FindAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnMoveAsync(DimseRequestContext context, CMoveRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.MoveAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnGetAsync(DimseRequestContext context, CGetRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.GetAsync(context, request, cancellationToken);
}
