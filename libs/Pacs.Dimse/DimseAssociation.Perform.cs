using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>Performing the peer's requests through the application's <see cref="DimseService"/> and answering them.</summary>
public sealed partial class DimseAssociation
{
    private async Task PerformAsync(DimseRequestContext context, DimseRequest request, StoreSink? store, CancellationTokenSource operation)
    {
        var cancellationToken = operation.Token;
        try
        {
            switch (request)
            {
                case CStoreRequest storeRequest when store is null:
                    // PS3.7 9.3.1.1: a C-STORE-RQ always carries a data set; one that says otherwise cannot be stored.
                    await SendFinalAsync(context, Failed(request, new DimseStatusException(DimseStatus.CannotUnderstand, "The C-STORE-RQ announced no data set."))).ConfigureAwait(false);
                    break;
                case CStoreRequest storeRequest:
                    await SendFinalAsync(context, await PerformStoreAsync(context, storeRequest, store, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case CFindRequest find:
                    await PerformFindAsync(context, find, cancellationToken).ConfigureAwait(false);
                    break;
                case CMoveRequest or CGetRequest:
                    await PerformRetrieveAsync(context, request, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await SendFinalAsync(context, await PerformSimpleAsync(context, request, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
            }
        }
        catch (DimseException) when (_lifetime.IsCancellationRequested)
        {
            // The association ended while performing: there is nobody left to answer.
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Likewise.
        }
        finally
        {
            _performing.TryRemove(request.MessageId, out _);
            operation.Dispose();
            _performSlots.Release();
            OperationEnded();
            if (_performing.IsEmpty)
            {
                Volatile.Read(ref _drained)?.TrySetResult();
            }
        }
    }

    private async Task SendFinalAsync(DimseRequestContext context, DimseResponse response) =>
        await SendAsync(context.PresentationContext, response, null, CancellationToken.None).ConfigureAwait(false);

    private async Task<DimseResponse> PerformStoreAsync(DimseRequestContext context, CStoreRequest request, StoreSink sink, CancellationToken cancellationToken)
    {
        var destination = sink.Destination;
        try
        {
            if (sink.Failure is { } failure)
            {
                if (destination is not null)
                {
                    await StoreService.OnStoreAbortedAsync(context, request, destination, failure).ConfigureAwait(false);
                }

                return Failed(context, request, failure);
            }

            var status = await StoreService.OnStoreCompletedAsync(context, request, destination!, cancellationToken).ConfigureAwait(false);
            return new CStoreResponse(request, status);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
        {
            return Failed(context, request, e);
        }
        finally
        {
            if (destination is not null)
            {
                await destination.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task PerformFindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken)
    {
        DimseResponse final;
        try
        {
            await foreach (var match in _service.OnFindAsync(context, request, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await SendAsync(context.PresentationContext, new CFindResponse(request, DimseStatus.Pending, match), null, _lifetime.Token).ConfigureAwait(false);
            }

            final = new CFindResponse(request, DimseStatus.Success);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            // PS3.4 C.4.1.1.4: after C-CANCEL the final response says Cancel.
            final = new CFindResponse(request, DimseStatus.Cancel);
        }
        catch (Exception e) when (!_lifetime.IsCancellationRequested)
        {
            final = Failed(context, request, e);
        }

        await SendFinalAsync(context, final).ConfigureAwait(false);
    }

    private async Task PerformRetrieveAsync(DimseRequestContext context, DimseRequest request, CancellationToken cancellationToken)
    {
        var counts = new DimseSubOperations(0, 0, 0, 0);
        DimseResponse final;
        try
        {
            var progress = request is CMoveRequest move
                ? _service.OnMoveAsync(context, move, cancellationToken)
                : _service.OnGetAsync(context, (CGetRequest)request, cancellationToken);
            await foreach (var step in progress.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                counts = step;
                if (step.Remaining > 0)
                {
                    var pending = (DimseRetrieveResponse)CreateResponse(request, DimseStatus.Pending);
                    pending.SetCounts(step, includeRemaining: true);
                    await SendAsync(context.PresentationContext, pending, null, _lifetime.Token).ConfigureAwait(false);
                }
            }

            // PS3.4 C.4.2.3.1: success when every sub-operation succeeded; warning when some failed or warned; failure when all failed.
            var status = counts.Failed == 0 && counts.Warning == 0 ? DimseStatus.Success
                : counts.Completed == 0 && counts.Warning == 0 ? DimseStatus.UnableToProcess
                : DimseStatus.WarningSubOperationsCompleteOneOrMoreFailures;
            final = RetrieveFinal(request, status, counts, includeRemaining: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            // PS3.4 C.4.2.1.5: a cancelled retrieve reports the counts so far, remaining included.
            final = RetrieveFinal(request, DimseStatus.Cancel, counts, includeRemaining: true);
        }
        catch (Exception e) when (!_lifetime.IsCancellationRequested)
        {
            final = Failed(context, request, e);
            ((DimseRetrieveResponse)final).SetCounts(counts, includeRemaining: false);
            if (counts.FailedSopInstanceUids.Count > 0)
            {
                // PS3.4 C.4.2.1.5: a failure after sub-operations failed lists them too.
                final.Dataset = new DicomDataset().Set(DicomTag.FailedSOPInstanceUIDList, DicomVR.UI, [.. counts.FailedSopInstanceUids]);
            }
        }

        await SendFinalAsync(context, final).ConfigureAwait(false);
    }

    private static DimseRetrieveResponse RetrieveFinal(DimseRequest request, DimseStatus status, DimseSubOperations counts, bool includeRemaining)
    {
        var final = (DimseRetrieveResponse)CreateResponse(request, status);
        final.SetCounts(counts, includeRemaining);
        if (counts.FailedSopInstanceUids.Count > 0)
        {
            // PS3.4 C.4.2.1.5: the identifier of the final response lists the instances that failed.
            final.Dataset = new DicomDataset().Set(DicomTag.FailedSOPInstanceUIDList, DicomVR.UI, [.. counts.FailedSopInstanceUids]);
        }

        return final;
    }

    private async Task<DimseResponse> PerformSimpleAsync(DimseRequestContext context, DimseRequest request, CancellationToken cancellationToken)
    {
        try
        {
            switch (request)
            {
                case CEchoRequest echo:
                    return new CEchoResponse(echo, await _service.OnEchoAsync(context, echo, cancellationToken).ConfigureAwait(false));
                case NEventReportRequest report:
                {
                    var result = await _service.OnEventReportAsync(context, report, cancellationToken).ConfigureAwait(false);
                    return new NEventReportResponse(report, result.Status, result.Dataset);
                }

                case NGetRequest get:
                {
                    var result = await _service.OnNGetAsync(context, get, cancellationToken).ConfigureAwait(false);
                    return new NGetResponse(get, result.Status, result.Dataset);
                }

                case NSetRequest set:
                {
                    var result = await _service.OnNSetAsync(context, set, cancellationToken).ConfigureAwait(false);
                    return new NSetResponse(set, result.Status, result.Dataset);
                }

                case NActionRequest action:
                {
                    var result = await _service.OnNActionAsync(context, action, cancellationToken).ConfigureAwait(false);
                    return new NActionResponse(action, result.Status, result.Dataset);
                }

                case NCreateRequest create:
                {
                    var result = await _service.OnNCreateAsync(context, create, cancellationToken).ConfigureAwait(false);
                    return new NCreateResponse(create, result.Status, result.Dataset);
                }

                case NDeleteRequest delete:
                {
                    var result = await _service.OnNDeleteAsync(context, delete, cancellationToken).ConfigureAwait(false);
                    return new NDeleteResponse(delete, result.Status);
                }

                default:
                    return Failed(request, new DimseStatusException(DimseStatus.UnrecognizedOperation, $"{request.CommandField} is not performed here."));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
        {
            return Failed(context, request, e);
        }
    }

    /// <summary>
    /// The answer to a request the application could not perform. A <see cref="DimseStatusException"/> carries its own
    /// status; any other error is a processing failure whose comment names it, so the peer learns what went wrong.
    /// </summary>
    private DimseResponse Failed(DimseRequestContext context, DimseRequest request, Exception error)
    {
        if (error is not DimseStatusException)
        {
            // The peer learns of the failure from the status; the application from this call (to log it).
            _service.OnServiceFailure(context, request, error);
        }

        return Failed(request, error);
    }

    private static DimseResponse Failed(DimseRequest request, Exception error)
    {
        var (status, comment) = error switch
        {
            DimseStatusException s => (s.Status, s.ErrorComment),
            _ => (request switch
            {
                CStoreRequest => DimseStatus.CannotUnderstand,
                CFindRequest or CMoveRequest or CGetRequest => DimseStatus.UnableToProcess,
                _ => DimseStatus.ProcessingFailure,
            }, error.Message),
        };
        var response = CreateResponse(request, status);
        response.ErrorComment = comment;
        return response;
    }
}
