using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    /// <summary>Where handler failures are logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>C-ECHO (PS3.4 A): the gateway is up and accepts this peer; nothing else is checked.</summary>
    public override ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DimseStatus.Success);

    public override IAsyncEnumerable<DicomDataset> OnFindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.FindAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnMoveAsync(DimseRequestContext context, CMoveRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.MoveAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnGetAsync(DimseRequestContext context, CGetRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.GetAsync(context, request, cancellationToken);

    public override void OnServiceFailure(DimseRequestContext context, DimseRequest request, Exception error) =>
        Logger.LogWarning(error, "{Request} from {CallingAe} failed", request.GetType().Name, context.Association.CallingAeTitle);
}
