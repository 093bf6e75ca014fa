using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>Where a request arrived: the association and the presentation context it was sent on.</summary>
public sealed record DimseRequestContext(DimseAssociation Association, DimsePresentationContext PresentationContext)
{
    /// <summary>The transfer syntax negotiated for the context: the data set's encoding.</summary>
    public DicomTransferSyntax TransferSyntax => PresentationContext.TransferSyntax!;
}

/// <summary>The outcome of an N-service request: a status and, for some, a data set (attribute list, reply).</summary>
public sealed record DimseNResult(DimseStatus Status, DicomDataset? Dataset = null)
{
    public static DimseNResult Success(DicomDataset? dataset = null) => new(DimseStatus.Success, dataset);
}

/// <summary>
/// The application's side of DIMSE: override the services you provide. Requests arrive here on the SCP host, and on an
/// SCU association for what the peer sends back (C-STOREs of a C-GET, N-EVENT-REPORTs of storage commitment). Throw
/// <see cref="DimseStatusException"/> to answer with a specific status; any other exception answers with a failure
/// status whose error comment says what went wrong. The cancellation token fires on C-CANCEL (C-FIND, C-MOVE, C-GET)
/// and when the association ends.
/// </summary>
public class DimseService
{
    /// <summary>C-ECHO: success by default (the Verification SOP Class needs nothing else, PS3.4 A).</summary>
    public virtual ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DimseStatus.Success);

    /// <summary>
    /// C-STORE, first half: the command has arrived, the data set is about to. Return the stream the data set's bytes
    /// are written to as they arrive (e.g. a spool file); they are exactly the bytes the peer sent, in
    /// <see cref="DimseRequestContext.TransferSyntax"/>, without File Meta Information. The library disposes the stream
    /// after <see cref="OnStoreCompletedAsync"/> or <see cref="OnStoreAbortedAsync"/>.
    /// </summary>
    public virtual ValueTask<Stream> OpenStoreDestinationAsync(DimseRequestContext context, CStoreRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "This application does not accept C-STORE.");

    /// <summary>C-STORE, second half: every byte is in the destination; make it durable and return the status to answer.</summary>
    public virtual ValueTask<DimseStatus> OnStoreCompletedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DimseStatus.Success);

    /// <summary>The data set did not arrive whole (the association ended, or writing to the destination failed): clean up.</summary>
    public virtual ValueTask OnStoreAbortedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, Exception reason) => ValueTask.CompletedTask;

    /// <summary>C-FIND: yield the matches; each is sent as a pending response, then success (or cancel after C-CANCEL).</summary>
    public virtual IAsyncEnumerable<DicomDataset> OnFindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "This application does not accept C-FIND.");

    /// <summary>
    /// C-MOVE: perform the C-STORE sub-operations to <see cref="CMoveRequest.MoveDestination"/> (on an association of your
    /// own) and yield the counts after each; every yield is sent as a pending response, the last one decides the final status.
    /// </summary>
    public virtual IAsyncEnumerable<DimseSubOperations> OnMoveAsync(DimseRequestContext context, CMoveRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "This application does not accept C-MOVE.");

    /// <summary>
    /// C-GET: perform the C-STORE sub-operations on this same association (<c>context.Association.StoreAsync</c>; the
    /// requestor must have taken the SCP role for the storage SOP classes) and yield the counts after each.
    /// </summary>
    public virtual IAsyncEnumerable<DimseSubOperations> OnGetAsync(DimseRequestContext context, CGetRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "This application does not accept C-GET.");

    /// <summary>
    /// A handler failed with an exception other than <see cref="DimseStatusException"/>; the peer was answered with a
    /// failure status naming it. Override to log it. Default: nothing.
    /// </summary>
    public virtual void OnServiceFailure(DimseRequestContext context, DimseRequest request, Exception error)
    {
    }

    public virtual ValueTask<DimseNResult> OnEventReportAsync(DimseRequestContext context, NEventReportRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-EVENT-REPORT.");

    public virtual ValueTask<DimseNResult> OnNGetAsync(DimseRequestContext context, NGetRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-GET.");

    public virtual ValueTask<DimseNResult> OnNSetAsync(DimseRequestContext context, NSetRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-SET.");

    public virtual ValueTask<DimseNResult> OnNActionAsync(DimseRequestContext context, NActionRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-ACTION.");

    public virtual ValueTask<DimseNResult> OnNCreateAsync(DimseRequestContext context, NCreateRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-CREATE.");

    public virtual ValueTask<DimseNResult> OnNDeleteAsync(DimseRequestContext context, NDeleteRequest request, CancellationToken cancellationToken) =>
        throw new DimseStatusException(DimseStatus.UnrecognizedOperation, "This application does not accept N-DELETE.");
}
