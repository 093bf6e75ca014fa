using System.Runtime.CompilerServices;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>Query/retrieve information model roots (PS3.4 C.6).</summary>
public enum DimseQueryRoot
{
    PatientRoot,
    StudyRoot,
}

/// <summary>Query/Retrieve Level (0008,0052) values (PS3.4 C.6).</summary>
public enum DimseQueryLevel
{
    Patient,
    Study,
    Series,
    Image,
}

/// <summary>Invoking services on the peer: C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET, C-CANCEL and the N-services.</summary>
public sealed partial class DimseAssociation
{
    private DimseService? _getStoreHandler;

    /// <summary>C-ECHO (PS3.7 9.1.5): the status the peer answered.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        var request = new CEchoRequest();
        var response = await InvokeSingleAsync<CEchoResponse>(request, ContextFor(DicomUid.Verification), null, cancellationToken).ConfigureAwait(false);
        return response.Status;
    }

    /// <summary>
    /// C-STORE of a data set already encoded in <paramref name="transferSyntax"/> (no File Meta Information), streamed
    /// from <paramref name="dataset"/> into PDVs as it is read. A presentation context for the SOP class must have been
    /// accepted with that transfer syntax.
    /// </summary>
    public async Task<CStoreResponse> StoreAsync(Stream dataset, string sopClassUid, string sopInstanceUid, DicomTransferSyntax transferSyntax, CStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var context = ContextFor(sopClassUid, transferSyntax, asScuOfStore: true);
        if (!Equals(context.TransferSyntax, transferSyntax))
        {
            throw new DimseException($"{Describe(sopClassUid)} was accepted in {context.TransferSyntax}, not in {transferSyntax} as the data set is encoded.");
        }

        var request = NewStoreRequest(sopClassUid, sopInstanceUid, options);
        return await InvokeSingleAsync<CStoreResponse>(request, context, (s, ct) => dataset.CopyToAsync(s, _fragmentLength, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// C-STORE of a PS3.10 file. Its data set is streamed from the file as it is when a context was accepted in the file's
    /// transfer syntax; between the uncompressed syntaxes it is re-encoded on the fly; otherwise there is no way to send it.
    /// </summary>
    public async Task<CStoreResponse> StoreFileAsync(string path, CStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var file = DicomFile.Open(path);
        var sopClass = file.SopClassUid ?? throw new DimseException($"'{path}' has no SOP Class UID.");
        var sopInstance = file.SopInstanceUid ?? throw new DimseException($"'{path}' has no SOP Instance UID.");
        var context = ContextFor(sopClass, file.TransferSyntax, asScuOfStore: true);
        var request = NewStoreRequest(sopClass, sopInstance, options);
        Func<Stream, CancellationToken, Task> writeData;
        if (Equals(context.TransferSyntax, file.TransferSyntax))
        {
            writeData = async (s, ct) =>
            {
                await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                source.Position = file.DatasetOffset;
                await source.CopyToAsync(s, _fragmentLength, ct).ConfigureAwait(false);
            };
        }
        else if (IsNative(file.TransferSyntax) && IsNative(context.TransferSyntax!))
        {
            var target = context.TransferSyntax!;
            writeData = (s, ct) => DicomWriter.WriteDatasetAsync(s, file.Dataset, target, new DicomWriteOptions { BulkDataSource = new DicomFileBulkDataSource(path) }, ct);
        }
        else
        {
            throw new DimseException($"'{path}' is in {file.TransferSyntax} but {Describe(sopClass)} was accepted in {context.TransferSyntax}; converting between them needs a codec.");
        }

        return await InvokeSingleAsync<CStoreResponse>(request, context, writeData, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// C-FIND (PS3.7 9.1.2): the identifiers of the pending responses, as they arrive. A failure status ends the
    /// enumeration with <see cref="DimseStatusException"/>. Stopping the enumeration early or cancelling sends C-CANCEL
    /// and waits for the final response.
    /// </summary>
    public IAsyncEnumerable<DicomDataset> FindAsync(DimseQueryRoot root, DimseQueryLevel level, DicomDataset identifier, CancellationToken cancellationToken = default)
    {
        var query = identifier.Clone().Set(DicomTag.QueryRetrieveLevel, DicomVR.CS, LevelName(level));
        var sopClass = root == DimseQueryRoot.PatientRoot ? DicomUid.PatientRootQueryRetrieveInformationModelFind : DicomUid.StudyRootQueryRetrieveInformationModelFind;
        return FindAsync(new CFindRequest(sopClass, query), cancellationToken);
    }

    /// <summary>C-FIND with a request built by the caller (any C-FIND SOP class, e.g. Modality Worklist); its MessageId is set when sent.</summary>
    public async IAsyncEnumerable<DicomDataset> FindAsync(CFindRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ContextFor(request.AffectedSopClassUid ?? throw new ArgumentException("The request has no Affected SOP Class UID.", nameof(request)));
        var pending = await StartAsync(request, context, null, cancellationToken).ConfigureAwait(false);
        var finished = false;
        try
        {
            while (true)
            {
                var response = await NextResponseAsync(pending, cancellationToken).ConfigureAwait(false);
                if (response.Status.IsPending)
                {
                    if (response.Dataset is { } match)
                    {
                        yield return match;
                    }

                    continue;
                }

                finished = true;
                ThrowIfFailed(response);
                yield break;
            }
        }
        finally
        {
            if (!finished && !_lifetime.IsCancellationRequested)
            {
                await CancelAndDrainAsync(pending).ConfigureAwait(false);
            }

            Finish(pending);
        }
    }

    /// <summary>
    /// C-MOVE (PS3.7 9.1.4): the peer stores the matches to <paramref name="destinationAe"/>. Pending responses report
    /// progress; the final response is returned (its status says whether sub-operations failed). Cancelling sends C-CANCEL.
    /// </summary>
    public Task<CMoveResponse> MoveAsync(DimseQueryRoot root, DimseQueryLevel level, string destinationAe, DicomDataset identifier, IProgress<DimseSubOperations>? progress = null, CancellationToken cancellationToken = default)
    {
        var query = identifier.Clone().Set(DicomTag.QueryRetrieveLevel, DicomVR.CS, LevelName(level));
        var sopClass = root == DimseQueryRoot.PatientRoot ? DicomUid.PatientRootQueryRetrieveInformationModelMove : DicomUid.StudyRootQueryRetrieveInformationModelMove;
        return RetrieveAsync<CMoveResponse>(new CMoveRequest(sopClass, destinationAe, query), progress, cancellationToken);
    }

    /// <summary>C-MOVE with a request built by the caller.</summary>
    public Task<CMoveResponse> MoveAsync(CMoveRequest request, IProgress<DimseSubOperations>? progress = null, CancellationToken cancellationToken = default) =>
        RetrieveAsync<CMoveResponse>(request, progress, cancellationToken);

    /// <summary>
    /// C-GET (PS3.7 9.1.3): the peer sends the matches back on this association as C-STORE requests, which
    /// <paramref name="storeHandler"/> receives (or the association's own service when null). The storage SOP classes
    /// must have been proposed with the SCP role (<see cref="DimseClientOptions.RoleSelections"/>).
    /// </summary>
    public Task<CGetResponse> GetAsync(DimseQueryRoot root, DimseQueryLevel level, DicomDataset identifier, DimseService? storeHandler = null, IProgress<DimseSubOperations>? progress = null, CancellationToken cancellationToken = default)
    {
        var query = identifier.Clone().Set(DicomTag.QueryRetrieveLevel, DicomVR.CS, LevelName(level));
        var sopClass = root == DimseQueryRoot.PatientRoot ? DicomUid.PatientRootQueryRetrieveInformationModelGet : DicomUid.StudyRootQueryRetrieveInformationModelGet;
        return GetAsync(new CGetRequest(sopClass, query), storeHandler, progress, cancellationToken);
    }

    /// <summary>C-GET with a request built by the caller.</summary>
    public async Task<CGetResponse> GetAsync(CGetRequest request, DimseService? storeHandler = null, IProgress<DimseSubOperations>? progress = null, CancellationToken cancellationToken = default)
    {
        _getStoreHandler = storeHandler;
        try
        {
            return await RetrieveAsync<CGetResponse>(request, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _getStoreHandler = null;
        }
    }

    /// <summary>C-CANCEL (PS3.7 9.3.2.3) of an outstanding C-FIND, C-MOVE or C-GET we sent; its final response still follows.</summary>
    public async Task CancelAsync(ushort messageId, CancellationToken cancellationToken = default)
    {
        if (!_pending.TryGetValue(messageId, out var pending))
        {
            return;
        }

        var context = ContextFor(pending.Request.AffectedSopClassUid!);
        await SendAsync(context, new CCancelRequest(messageId), null, cancellationToken).ConfigureAwait(false);
    }

    public Task<NEventReportResponse> EventReportAsync(NEventReportRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NEventReportResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    public Task<NGetResponse> NGetAsync(NGetRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NGetResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    public Task<NSetResponse> NSetAsync(NSetRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NSetResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    public Task<NActionResponse> NActionAsync(NActionRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NActionResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    public Task<NCreateResponse> NCreateAsync(NCreateRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NCreateResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    public Task<NDeleteResponse> NDeleteAsync(NDeleteRequest request, CancellationToken cancellationToken = default) =>
        InvokeSingleAsync<NDeleteResponse>(request, ContextFor(request.SopClassUid!), null, cancellationToken);

    // ------------------------------------------------------------------ the request/response cycle

    private async Task<TResponse> RetrieveAsync<TResponse>(DimseRequest request, IProgress<DimseSubOperations>? progress, CancellationToken cancellationToken)
        where TResponse : DimseRetrieveResponse
    {
        var context = ContextFor(request.AffectedSopClassUid!);
        var pending = await StartAsync(request, context, null, cancellationToken).ConfigureAwait(false);
        try
        {
            var cancelSent = false;
            while (true)
            {
                DimseResponse response;
                try
                {
                    response = await NextResponseAsync(pending, cancelSent ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancelSent && cancellationToken.IsCancellationRequested)
                {
                    // PS3.7 9.3.2.3: ask the performer to stop; its final response (status Cancel) still ends the operation.
                    cancelSent = true;
                    await SendAsync(context, new CCancelRequest(request.MessageId), null, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }

                var typed = response as TResponse ?? throw new DimseException($"The peer answered {request.CommandField} with {response.CommandField}.");
                if (typed.Status.IsPending)
                {
                    progress?.Report(typed.SubOperations);
                    continue;
                }

                return typed;
            }
        }
        finally
        {
            Finish(pending);
        }
    }

    private async Task<TResponse> InvokeSingleAsync<TResponse>(DimseRequest request, DimsePresentationContext context, Func<Stream, CancellationToken, Task>? writeData, CancellationToken cancellationToken)
        where TResponse : DimseResponse
    {
        var pending = await StartAsync(request, context, writeData, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var response = await NextResponseAsync(pending, cancellationToken).ConfigureAwait(false);
                if (response.Status.IsPending)
                {
                    continue;
                }

                return response as TResponse ?? throw new DimseException($"The peer answered {request.CommandField} with {response.CommandField}.");
            }
        }
        finally
        {
            Finish(pending);
        }
    }

    /// <summary>Takes a slot of the asynchronous operations window (PS3.7 D.3.3.3), assigns the message ID and sends.</summary>
    private async Task<PendingRequest> StartAsync(DimseRequest request, DimsePresentationContext context, Func<Stream, CancellationToken, Task>? writeData, CancellationToken cancellationToken)
    {
        await _invokeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        PendingRequest pending;
        try
        {
            request.MessageId = NextMessageId();
            pending = new PendingRequest(request);
            _pending[request.MessageId] = pending;
            OperationStarted();
        }
        catch
        {
            _invokeSlots.Release();
            throw;
        }

        try
        {
            await SendAsync(context, request, writeData, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Finish(pending);
            throw;
        }

        return pending;
    }

    private void Finish(PendingRequest pending)
    {
        if (_pending.TryRemove(new KeyValuePair<ushort, PendingRequest>(pending.Request.MessageId, pending)))
        {
            _invokeSlots.Release();
            OperationEnded();
        }
    }

    private async Task<DimseResponse> NextResponseAsync(PendingRequest pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.NextAsync(_channel.Timeouts.DimseResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The peer's state is unknown after a missing response, so the association cannot be trusted further.
            var error = new DimseTimeoutException($"No response to {pending.Request.CommandField} (message {pending.Request.MessageId}) within {_channel.Timeouts.DimseResponse.TotalSeconds:0.###} s; the association was aborted.");
            _channel.Abort(AbortSource.ServiceUser, error);
            throw error;
        }
    }

    private async Task CancelAndDrainAsync(PendingRequest pending)
    {
        try
        {
            var context = ContextFor(pending.Request.AffectedSopClassUid!);
            await SendAsync(context, new CCancelRequest(pending.Request.MessageId), null, CancellationToken.None).ConfigureAwait(false);
            while ((await NextResponseAsync(pending, CancellationToken.None).ConfigureAwait(false)).Status.IsPending)
            {
            }
        }
        catch (DimseException)
        {
            // The association ended or timed out while draining: the operation is over either way.
        }
    }

    private static void ThrowIfFailed(DimseResponse response)
    {
        if (response.Status.IsFailure)
        {
            throw new DimseStatusException(response.Status, response.ErrorComment);
        }
    }

    private static CStoreRequest NewStoreRequest(string sopClassUid, string sopInstanceUid, CStoreOptions? options)
    {
        var request = new CStoreRequest(sopClassUid, sopInstanceUid, options?.Priority ?? DimsePriority.Medium);
        if (options?.MoveOriginatorAeTitle is { } originator)
        {
            request.MoveOriginatorAeTitle = originator;
            request.MoveOriginatorMessageId = options.MoveOriginatorMessageId;
        }

        return request;
    }

    private static bool IsNative(DicomTransferSyntax ts) => !ts.IsEncapsulated && !ts.IsDeflated;

    private static string LevelName(DimseQueryLevel level) => level switch
    {
        DimseQueryLevel.Patient => "PATIENT",
        DimseQueryLevel.Study => "STUDY",
        DimseQueryLevel.Series => "SERIES",
        _ => "IMAGE",
    };

    /// <summary>The service that receives the peer's C-STOREs: the running C-GET's handler, else the association's own.</summary>
    private DimseService StoreService => _getStoreHandler ?? _service;
}

/// <summary>Optional fields of a C-STORE request.</summary>
public sealed record CStoreOptions
{
    public DimsePriority Priority { get; init; } = DimsePriority.Medium;

    /// <summary>For a C-MOVE sub-operation: the AE title that asked for the move (0000,1030).</summary>
    public string? MoveOriginatorAeTitle { get; init; }

    /// <summary>For a C-MOVE sub-operation: the message ID of the C-MOVE-RQ (0000,1031).</summary>
    public ushort? MoveOriginatorMessageId { get; init; }
}
