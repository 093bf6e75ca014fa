using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.QueryRetrieve;
using Pacs.Gateway.Storage;

namespace Pacs.Gateway;

/// <summary>
/// The gateway's DIMSE services: verification, storage into the spool, storage commitment, and query/retrieve, which
/// <see cref="GatewayQueryRetrieve"/> translates to the archive's QIDO-RS and WADO-RS.
/// </summary>
/// <param name="queryRetrieve">C-FIND, C-MOVE, C-GET.</param>
/// <param name="store">C-STORE into the spool; null refuses C-STORE (SOP class not supported).</param>
/// <param name="commitment">Storage commitment; null refuses N-ACTION.</param>
public class GatewayDimseService(GatewayQueryRetrieve queryRetrieve, GatewayStoreScp? store = null, StorageCommitmentScp? commitment = null) : DimseService
{
    /// <summary>Where handler failures are logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>C-ECHO (PS3.4 A): the gateway is up and accepts this peer; nothing else is checked.</summary>
    public override ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DimseStatus.Success);

    public override ValueTask<Stream> OpenStoreDestinationAsync(DimseRequestContext context, CStoreRequest request, CancellationToken cancellationToken) =>
        store is null ? base.OpenStoreDestinationAsync(context, request, cancellationToken) : store.OpenAsync(context, request);

    public override ValueTask<DimseStatus> OnStoreCompletedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, CancellationToken cancellationToken) =>
        store is null ? base.OnStoreCompletedAsync(context, request, destination, cancellationToken) : store.CompleteAsync(context, request, destination, cancellationToken);

    public override ValueTask OnStoreAbortedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, Exception reason) =>
        store is null ? base.OnStoreAbortedAsync(context, request, destination, reason) : store.AbortedAsync(request, destination, reason);

    public override ValueTask<DimseNResult> OnNActionAsync(DimseRequestContext context, NActionRequest request, CancellationToken cancellationToken) =>
        commitment is null ? base.OnNActionAsync(context, request, cancellationToken) : commitment.OnNActionAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DicomDataset> OnFindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.FindAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnMoveAsync(DimseRequestContext context, CMoveRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.MoveAsync(context, request, cancellationToken);

    public override IAsyncEnumerable<DimseSubOperations> OnGetAsync(DimseRequestContext context, CGetRequest request, CancellationToken cancellationToken) =>
        queryRetrieve.GetAsync(context, request, cancellationToken);

    public override void OnServiceFailure(DimseRequestContext context, DimseRequest request, Exception error) =>
        Logger.LogWarning(error, "{Request} from {CallingAe} failed", request.GetType().Name, context.Association.CallingAeTitle);
}
