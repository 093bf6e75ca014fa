using System.Buffers;
using System.IO.Pipelines;
using System.Net;

namespace Pacs.Dimse;

/// <summary>
/// One transport connection driven by the DICOM upper layer protocol machine (PS3.8 9.2). Every event, whether the
/// local user's primitive, a PDU from the peer, the transport closing or the ARTIM timer, goes through
/// <see cref="Fire"/>, which looks the action up in <see cref="AssociationStateTable"/> and moves to the next state;
/// the action's side effects (send a PDU, start the timer, close, tell the user) follow. One read loop frames PDUs off
/// a <see cref="PipeReader"/> the way Kestrel's connection handlers do: take what is whole, say how far it looked.
/// </summary>
internal sealed class AssociationChannel : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly ITimer _artim;
    private readonly TaskCompletionSource<AssociatePdu> _associateOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _releaseConfirmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _readTimeout = new();
    private bool _reading;
    private IAssociationUser? _user;
    private Task? _readLoop;
    private bool _transportClosed;
    private Exception? _closeReason;

    public AssociationChannel(Stream transport, bool isRequestor, DimseTimeouts timeouts, PduLimits limits, EndPoint? remoteEndPoint = null, TimeProvider? timeProvider = null)
    {
        _transport = transport;
        IsRequestor = isRequestor;
        Timeouts = timeouts;
        Limits = limits;
        RemoteEndPoint = remoteEndPoint;

        // Zero-byte reads: an idle connection holds no receive buffer, which is what lets a host keep a thousand of them.
        _reader = PipeReader.Create(transport, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        _artim = (timeProvider ?? TimeProvider.System).CreateTimer(static s => ((AssociationChannel)s!).OnArtimExpired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// After a local abort the peer gets this long to close first (so the A-ABORT is read before the connection goes),
    /// at most ARTIM.
    /// </summary>
    private TimeSpan LocalAbortLinger => Timeouts.Artim < TimeSpan.FromSeconds(2) ? Timeouts.Artim : TimeSpan.FromSeconds(2);

    public bool IsRequestor { get; }

    public DimseTimeouts Timeouts { get; }

    public PduLimits Limits { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The current state (PS3.8 Table 9-1).</summary>
    public AssociationState State { get; private set; } = AssociationState.Sta1Idle;

    /// <summary>Completes when the transport connection is closed, for whatever reason.</summary>
    public Task Completion => _closed.Task;

    /// <summary>Why the association ended abnormally; null while open or after an orderly release.</summary>
    public Exception? CloseReason => _closeReason;

    // ------------------------------------------------------------------ association establishment

    /// <summary>
    /// Requestor side: the transport is connected (AE-1, Evt2), so send A-ASSOCIATE-RQ (AE-2) and wait in Sta5 for the
    /// answer. Returns the A-ASSOCIATE-AC; throws <see cref="DimseAssociationRejectedException"/> for A-ASSOCIATE-RJ.
    /// </summary>
    public async Task<AssociateAcceptPdu> RequestAsync(AssociateRequestPdu request, IAssociationUser user, CancellationToken cancellationToken)
    {
        _user = user;
        Fire(AssociationEvent.Evt1LocalAssociateRequest);
        Fire(AssociationEvent.Evt2TransportConnectConfirm);
        await WritePduAsync(request, CancellationToken.None).ConfigureAwait(false);
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        using (cancellationToken.Register(static s => ((AssociationChannel)s!).Abort(AbortSource.ServiceUser, new OperationCanceledException("The association request was cancelled.")), this))
        {
            return (AssociateAcceptPdu)await _associateOutcome.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Acceptor side: the peer connected (Evt5), so start ARTIM (AE-5) and wait in Sta2 for A-ASSOCIATE-RQ. Returns
    /// null when ARTIM expired, the peer went away or sent something else (the connection is then closed or closing).
    /// </summary>
    public async Task<AssociateRequestPdu?> ReceiveRequestAsync()
    {
        if (Fire(AssociationEvent.Evt5TransportConnectIndication) == AssociationAction.AE5)
        {
            StartArtim();
        }

        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        try
        {
            return (AssociateRequestPdu)await _associateOutcome.Task.ConfigureAwait(false);
        }
        catch (DimseException)
        {
            return null;
        }
    }

    /// <summary>Evt7 → AE-7: send A-ASSOCIATE-AC; the association is established (Sta6).</summary>
    public async Task AcceptAsync(AssociateAcceptPdu accept, IAssociationUser user)
    {
        _user = user;
        if (Fire(AssociationEvent.Evt7LocalAssociateAccept) == AssociationAction.AE7)
        {
            // The application decided within ARTIM; the timer that bounded its decision stops.
            StopArtim();
            await WritePduAsync(accept, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Evt8 → AE-8: send A-ASSOCIATE-RJ and wait (ARTIM) for the peer to close.</summary>
    public async Task RejectAsync(AssociateRejectPdu reject)
    {
        if (Fire(AssociationEvent.Evt8LocalAssociateReject) == AssociationAction.AE8)
        {
            await WritePduAsync(reject, CancellationToken.None).ConfigureAwait(false);
            StartArtim();
        }

        await Completion.ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ data transfer

    /// <summary>Evt9 → DT-1 (or AR-7 in Sta8): send one whole P-DATA-TF PDU, header included.</summary>
    public async ValueTask SendPDataAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken)
    {
        Fire(AssociationEvent.Evt9LocalPDataRequest);
        await WriteAsync(pdu, cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ release and abort

    /// <summary>
    /// Evt11 → AR-1: send A-RELEASE-RQ and wait (Sta7) for A-RELEASE-RP, then close (AR-3). Aborts when the answer does
    /// not come within <see cref="DimseTimeouts.ReleaseResponse"/>.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        Fire(AssociationEvent.Evt11LocalReleaseRequest);
        await WritePduAsync(ReleaseRequestPdu.Instance, cancellationToken).ConfigureAwait(false);
        try
        {
            await _releaseConfirmed.Task.WaitAsync(Timeouts.ReleaseResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var error = new DimseTimeoutException($"No A-RELEASE-RP within {Timeouts.ReleaseResponse.TotalSeconds:0.###} s; the association was aborted.");
            Abort(AbortSource.ServiceUser, error);
            throw error;
        }
    }

    /// <summary>Evt14 → AR-4 (or AR-9 in a release collision): send A-RELEASE-RP.</summary>
    public async Task SendReleaseResponseAsync()
    {
        var action = Fire(AssociationEvent.Evt14LocalReleaseResponse);
        await WritePduAsync(ReleaseResponsePdu.Instance, CancellationToken.None).ConfigureAwait(false);
        if (action == AssociationAction.AR4)
        {
            StartArtim();
        }
    }

    /// <summary>
    /// Evt15 → AA-1: send A-ABORT and close. Never waits long: a write stuck behind a peer that stopped reading is not
    /// waited for, the connection is simply closed.
    /// </summary>
    public void Abort(AbortSource source = AbortSource.ServiceUser, Exception? reason = null)
    {
        AssociationAction action;
        lock (_gate)
        {
            action = AssociationStateTable.Lookup(State, AssociationEvent.Evt15LocalAbortRequest);
            if (action == AssociationAction.NotApplicable)
            {
                // Sta1, Sta2 and Sta13: nothing to abort, but a connection that is still open is closed now.
                CloseTransport(reason ?? new DimseAssociationAbortedException("The association was aborted locally."));
                return;
            }

            State = AssociationStateTable.NextState(action, IsRequestor);
        }

        var error = reason as DimseException ?? new DimseAssociationAbortedException("The association was aborted locally.", reason);
        SetCloseReason(error);
        _ = action == AssociationAction.AA1 ? SendAbortThenCloseAsync(new AbortPdu(source, AbortReason.NotSpecified), error, LocalAbortLinger) : Task.CompletedTask;
        if (action == AssociationAction.AA2)
        {
            CloseTransport(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_transportClosed)
        {
            Abort(AbortSource.ServiceUser, new DimseAssociationAbortedException("The association was disposed without a release."));
        }

        await Completion.ConfigureAwait(false);
        if (_readLoop is not null)
        {
            await _readLoop.ConfigureAwait(false);
        }

        _artim.Dispose();
    }

    // ------------------------------------------------------------------ the protocol machine

    /// <summary>
    /// Looks up the action for <paramref name="evt"/> in the current state and moves to the action's next state. A local
    /// primitive in a state where PS3.8 leaves the cell empty is a programming error of the caller and throws; any other
    /// event there (a timer or transport event that raced a state change) is ignored.
    /// </summary>
    internal AssociationAction Fire(AssociationEvent evt, bool requestAcceptable = true)
    {
        lock (_gate)
        {
            var action = AssociationStateTable.Lookup(State, evt);
            if (action == AssociationAction.NotApplicable)
            {
                if (AssociationStateTable.IsLocalPrimitive(evt))
                {
                    if (_closeReason is not null || State is AssociationState.Sta1Idle or AssociationState.Sta13AwaitingTransportClose)
                    {
                        throw new DimseAssociationAbortedException($"The association is closed ({State}); {evt} is not possible.", _closeReason);
                    }

                    throw new InvalidOperationException($"{evt} is not valid in {State} (PS3.8 Table 9-10).");
                }

                return action;
            }

            State = AssociationStateTable.NextState(action, IsRequestor, requestAcceptable);
            return action;
        }
    }

    private async Task ReadLoopAsync()
    {
        var framingLost = false;
        try
        {
            while (!_transportClosed)
            {
                ReadResult result;
                lock (_gate)
                {
                    _reading = true;
                    _readTimeout.CancelAfter(ReadTimeout());
                }

                try
                {
                    result = await _reader.ReadAsync(_readTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_transportClosed)
                {
                    OnReadTimeout();
                    return;
                }

                lock (_gate)
                {
                    _reading = false;
                    if (!_readTimeout.TryReset())
                    {
                        // The timer fired just as data arrived; treat it as the timeout it was.
                        OnReadTimeout();
                        return;
                    }
                }

                if (result.IsCanceled || _transportClosed)
                {
                    return;
                }

                var buffer = result.Buffer;
                try
                {
                    while (!framingLost && PduReader.TryReadFrame(ref buffer, Limits, out var type, out var body))
                    {
                        await OnPduAsync(type, body).ConfigureAwait(false);
                        if (_transportClosed)
                        {
                            return;
                        }
                    }
                }
                catch (DimsePduException e)
                {
                    // The PDU header itself was refused (unknown type, length beyond the limit): nothing after it can be
                    // framed, so the rest of the input is drained until the peer closes or ARTIM expires.
                    framingLost = true;
                    OnInvalidPdu(e);
                }

                if (framingLost)
                {
                    buffer = buffer.Slice(buffer.End);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    OnTransportClosed(null);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException || _transportClosed)
        {
            // A read on a transport that is closed (by us or the peer) or reset: Evt17.
            OnTransportClosed(_transportClosed ? null : e);
        }
        catch (Exception e)
        {
            // A fault in the layer above while handling a PDU: abort, so that both the peer and the local user learn of it
            // instead of the connection hanging with no reader.
            var error = new DimseAssociationAbortedException("The association was aborted after an internal error: " + e.Message, e);
            Abort(AbortSource.ServiceProvider, error);
            CloseTransport(error);
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Re-evaluates the timeout of the read in progress, e.g. when the last outstanding operation finished and the idle
    /// timeout starts to count.
    /// </summary>
    public void RearmReadTimeout()
    {
        lock (_gate)
        {
            if (_reading && !_transportClosed && !_readTimeout.IsCancellationRequested)
            {
                _readTimeout.CancelAfter(ReadTimeout());
            }
        }
    }

    private TimeSpan ReadTimeout() => State switch
    {
        AssociationState.Sta5AwaitingAssociateResponse => Timeouts.AssociateResponse,
        AssociationState.Sta6Established => _user?.EstablishedReadTimeout ?? Timeouts.Idle,
        AssociationState.Sta7AwaitingReleaseResponse or AssociationState.Sta10CollisionAcceptorAwaitingReleaseResponse
            or AssociationState.Sta11CollisionRequestorAwaitingReleaseResponse => Timeouts.ReleaseResponse,

        // Sta2 and Sta13 are bounded by ARTIM, Sta3/8/9/12 wait for our own side.
        _ => Timeout.InfiniteTimeSpan,
    };

    private async ValueTask OnPduAsync(PduType type, ReadOnlySequence<byte> body)
    {
        var evt = type switch
        {
            PduType.AssociateAccept => AssociationEvent.Evt3AssociateAcceptReceived,
            PduType.AssociateReject => AssociationEvent.Evt4AssociateRejectReceived,
            PduType.AssociateRequest => AssociationEvent.Evt6AssociateRequestReceived,
            PduType.PDataTransfer => AssociationEvent.Evt10PDataReceived,
            PduType.ReleaseRequest => AssociationEvent.Evt12ReleaseRequestReceived,
            PduType.ReleaseResponse => AssociationEvent.Evt13ReleaseResponseReceived,
            _ => AssociationEvent.Evt16AbortReceived,
        };

        // Association PDUs are parsed before the event fires, so a malformed one is Evt19 rather than Evt3/4/6.
        Pdu? pdu = null;
        if (type is not PduType.PDataTransfer)
        {
            try
            {
                pdu = PduReader.Parse(type, body);
            }
            catch (DimsePduException e)
            {
                OnInvalidPdu(e);
                return;
            }
        }

        var requestAcceptable = true;
        if (pdu is AssociateRequestPdu rq && State == AssociationState.Sta2AwaitingAssociateRequest)
        {
            // AE-6: the service provider accepts only protocol version 1 (PS3.8 9.3.2, bit 0).
            requestAcceptable = (rq.ProtocolVersion & 1) == 1;
        }

        var action = Fire(evt, requestAcceptable);
        switch (action)
        {
            case AssociationAction.AE3:
                _associateOutcome.TrySetResult((AssociateAcceptPdu)pdu!);
                break;
            case AssociationAction.AE4:
                var rejected = new DimseAssociationRejectedException((AssociateRejectPdu)pdu!);
                SetCloseReason(rejected);
                _associateOutcome.TrySetException(rejected);
                CloseTransport(rejected);
                break;
            case AssociationAction.AE6:
                StopArtim();
                if (requestAcceptable)
                {
                    // Sta3: the application decides within ARTIM, or the association is aborted.
                    StartArtim();
                    _associateOutcome.TrySetResult((AssociateRequestPdu)pdu!);
                }
                else
                {
                    var reject = new AssociateRejectPdu(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceProviderAcse, AssociateRejectReason.AcseProtocolVersionNotSupported);
                    _associateOutcome.TrySetException(new DimseAssociationRejectedException(reject));
                    await WritePduAsync(reject, CancellationToken.None).ConfigureAwait(false);
                    StartArtim();
                }

                break;
            case AssociationAction.DT2 or AssociationAction.AR6:
                try
                {
                    await _user!.OnPDataAsync(body).ConfigureAwait(false);
                }
                catch (DimsePduException e)
                {
                    OnInvalidPdu(e);
                }

                break;
            case AssociationAction.AR2:
                _user!.OnReleaseRequested();
                break;
            case AssociationAction.AR3:
                // The requestor got A-RELEASE-RP: the association is released; close the connection.
                _releaseConfirmed.TrySetResult();
                CloseTransport(null);
                break;
            case AssociationAction.AR8:
                // Release collision (PS3.8 9.2.3): the requestor answers at once (AR-9); the acceptor waits for the
                // requestor's A-RELEASE-RP (Sta10) and answers after it (AR-10, then AR-4).
                if (IsRequestor)
                {
                    await SendReleaseResponseAsync().ConfigureAwait(false);
                }

                break;
            case AssociationAction.AR10:
                await SendReleaseResponseAsync().ConfigureAwait(false);
                break;
            case AssociationAction.AA1:
                // Sta2: anything but A-ASSOCIATE-RQ. The peer broke the protocol, so the provider is named as source.
                await SendAbortThenCloseAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu), new DimseAssociationAbortedException($"The peer sent {PduReader.Name(type)} before A-ASSOCIATE-RQ.")).ConfigureAwait(false);
                break;
            case AssociationAction.AA2:
                CloseTransport(new DimseAssociationAbortedException($"The peer sent A-ABORT ({pdu})."));
                break;
            case AssociationAction.AA3:
                var aborted = new DimseAssociationAbortedException($"The peer aborted the association: {pdu}.");
                SetCloseReason(aborted);
                CloseTransport(aborted);
                break;
            case AssociationAction.AA6:
                break;
            case AssociationAction.AA7:
                await WritePduAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu), CancellationToken.None).ConfigureAwait(false);
                break;
            case AssociationAction.AA8:
                var unexpected = new DimseAssociationAbortedException($"The peer sent {PduReader.Name(type)} in {State}, which PS3.8 Table 9-10 does not allow; the association was aborted.");
                await SendAbortThenCloseAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu), unexpected).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Evt19: AA-1 in Sta2, AA-8 in an association, AA-7 in Sta13.</summary>
    private void OnInvalidPdu(DimsePduException e)
    {
        var action = Fire(AssociationEvent.Evt19InvalidPduReceived);
        var error = new DimseAssociationAbortedException("The peer sent an invalid PDU: " + e.Message, e);
        if (action is AssociationAction.AA1 or AssociationAction.AA8 or AssociationAction.AA7)
        {
            _ = SendAbortThenCloseAsync(new AbortPdu(AbortSource.ServiceProvider, e.Reason), error);
        }
    }

    /// <summary>Evt17: AA-5 (Sta2), AA-4 (in an association: A-P-ABORT), AR-5 (Sta13: the orderly end).</summary>
    private void OnTransportClosed(Exception? e)
    {
        var stateBefore = State;
        var action = Fire(AssociationEvent.Evt17TransportClosed);
        StopArtim();
        Exception? error = action switch
        {
            AssociationAction.AA4 => new DimseAssociationAbortedException($"The peer closed the connection in {stateBefore} without releasing the association.", e),
            AssociationAction.AA5 => new DimseAssociationAbortedException("The peer closed the connection before sending A-ASSOCIATE-RQ.", e),
            _ => null,
        };
        if (error is not null)
        {
            SetCloseReason(error);
        }

        CloseTransport(error);
    }

    private void OnReadTimeout()
    {
        var error = new DimseTimeoutException($"The peer sent nothing for {ReadTimeout().TotalSeconds:0.###} s in {State}; the association was aborted.");
        Abort(AbortSource.ServiceUser, error);

        // The cancelled read leaves the transport unusable (a TLS record may be half read), so do not wait out ARTIM.
        CloseTransport(error);
    }

    private void OnArtimExpired()
    {
        // Evt18: AA-2 in Sta2 and Sta13. In Sta3 the application did not decide in time: abort.
        if (State == AssociationState.Sta3AwaitingLocalAssociateResponse)
        {
            Abort(AbortSource.ServiceUser, new DimseTimeoutException($"The association request was not answered within ARTIM ({Timeouts.Artim.TotalSeconds:0.###} s)."));
            return;
        }

        if (Fire(AssociationEvent.Evt18ArtimExpired) == AssociationAction.AA2)
        {
            CloseTransport(State == AssociationState.Sta1Idle && _closeReason is null && !_releaseConfirmed.Task.IsCompleted
                ? new DimseTimeoutException($"ARTIM expired ({Timeouts.Artim.TotalSeconds:0.###} s).")
                : null);
        }
    }

    // ------------------------------------------------------------------ side effects

    private async Task SendAbortThenCloseAsync(AbortPdu abort, Exception error, TimeSpan? linger = null)
    {
        SetCloseReason(error);
        StartArtim(linger);

        // Best effort: a peer that stopped reading must not keep the abort waiting.
        if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _transport.WriteAsync(PduWriter.ToArray(abort), cts.Token).ConfigureAwait(false);
                await _transport.FlushAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
            {
                // The transport is already gone; closing it below is all that is left to do.
            }
            finally
            {
                _writeLock.Release();
            }
        }

        // PS3.8 9.2.3 AA-1/AA-8 wait in Sta13 for the peer to close, bounded by ARTIM; peers that ignore A-ABORT are
        // closed by the timer.
        _user?.OnClosed(error);
    }

    private Task WritePduAsync(Pdu pdu, CancellationToken cancellationToken) => WriteAsync(PduWriter.ToArray(pdu), cancellationToken).AsTask();

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Timeouts.Write);
            await _transport.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var error = new DimseTimeoutException($"Writing a PDU to the peer took longer than {Timeouts.Write.TotalSeconds:0.###} s; the connection was closed.");
            SetCloseReason(error);
            CloseTransport(error);
            throw error;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            var error = new DimseAssociationAbortedException("The connection to the peer failed while sending.", e);
            SetCloseReason(error);
            CloseTransport(error);
            throw error;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void StartArtim(TimeSpan? duration = null) => _artim.Change(duration ?? Timeouts.Artim, Timeout.InfiniteTimeSpan);

    private void StopArtim() => _artim.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void SetCloseReason(Exception error) => Interlocked.CompareExchange(ref _closeReason, error, null);

    private void CloseTransport(Exception? error)
    {
        lock (_gate)
        {
            if (_transportClosed)
            {
                return;
            }

            _transportClosed = true;
            State = AssociationState.Sta1Idle;
        }

        StopArtim();
        if (error is not null)
        {
            SetCloseReason(error);
        }

        _reader.CancelPendingRead();
        _transport.Dispose();
        var reason = _closeReason;
        _associateOutcome.TrySetException(reason as DimseException ?? new DimseAssociationAbortedException("The connection closed before the association was established.", reason));
        _releaseConfirmed.TrySetException(reason as DimseException ?? new DimseAssociationAbortedException("The connection closed before A-RELEASE-RP arrived.", reason));
        _ = _associateOutcome.Task.Exception;
        _ = _releaseConfirmed.Task.Exception;
        _user?.OnClosed(reason);
        _closed.TrySetResult();
    }
}
