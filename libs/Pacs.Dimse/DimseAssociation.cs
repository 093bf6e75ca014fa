using System.Collections.Concurrent;
using System.Net;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>
/// An established association, on either side. The requestor (an SCU from <see cref="DimseClient"/>) sends requests and
/// releases; the acceptor (in <see cref="DimseServer"/>) answers the requests through its <see cref="DimseService"/>
/// and may send requests back where the roles allow (C-STOREs of a C-GET, N-EVENT-REPORTs). Messages are fragmented
/// into P-DATA-TF PDUs no longer than the peer accepts; received C-STORE data sets stream to the application's
/// destination as they arrive.
/// </summary>
public sealed partial class DimseAssociation : IAsyncDisposable, IAssociationUser
{
    private readonly AssociationChannel _channel;
    private DimseService _service;
    private readonly Dictionary<byte, DimsePresentationContext> _contexts;
    private readonly ConcurrentDictionary<ushort, PendingRequest> _pending = new();
    private readonly ConcurrentDictionary<ushort, CancellationTokenSource> _performing = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _invokeSlots;
    private readonly SemaphoreSlim _performSlots;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextMessageId;
    private int _outstanding;
    private TaskCompletionSource? _drained;

    internal DimseAssociation(AssociationChannel channel, AssociateRequestPdu request, AssociateAcceptPdu accept, DimseService? service, DimseAssociationLimits limits)
    {
        _channel = channel;
        _service = service ?? new DimseService();
        Request = request;
        Accept = accept;
        Limits = limits;
        _contexts = Negotiation.Combine(request, accept).ToDictionary(c => c.Id);

        // PS3.7 D.3.3.3: the window is counted from the requestor's view; 0 means unlimited, absent means 1.
        var window = accept.UserInformation.AsynchronousOperationsWindow;
        var invoked = window?.MaxOperationsInvoked ?? 1;
        var performed = window?.MaxOperationsPerformed ?? 1;
        MaxOperationsInvoked = IsRequestor ? invoked : performed;
        MaxOperationsPerformed = IsRequestor ? performed : invoked;
        _invokeSlots = new SemaphoreSlim(MaxOperationsInvoked == 0 ? short.MaxValue : MaxOperationsInvoked);
        _performSlots = new SemaphoreSlim(MaxOperationsPerformed == 0 ? short.MaxValue : MaxOperationsPerformed);

        var peerMax = IsRequestor ? accept.UserInformation.MaximumLength : request.UserInformation.MaximumLength;
        PeerMaxPduLength = peerMax;

        // PS3.8 D.1: 0 means no limit; we still cut data into PDUs of a sensible size.
        var sendMax = peerMax == 0 ? limits.MaxSendPduLength : Math.Min(peerMax, limits.MaxSendPduLength);
        _fragmentLength = (int)Math.Max(1, sendMax - 6);
    }

    /// <summary>True on the side that requested the association (the SCU side of <see cref="DimseClient"/>).</summary>
    public bool IsRequestor => _channel.IsRequestor;

    public AssociateRequestPdu Request { get; }

    public AssociateAcceptPdu Accept { get; }

    public string CallingAeTitle => Request.CallingAeTitle;

    public string CalledAeTitle => Request.CalledAeTitle;

    public EndPoint? RemoteEndPoint => _channel.RemoteEndPoint;

    /// <summary>The user identity the requestor presented, if any (PS3.7 D.3.3.7).</summary>
    public UserIdentityRequest? UserIdentity => Request.UserInformation.UserIdentityRequest;

    /// <summary>Every presentation context proposed, with its result.</summary>
    public IReadOnlyCollection<DimsePresentationContext> PresentationContexts => _contexts.Values;

    /// <summary>The largest P-DATA-TF PDU the peer accepts (0 = no limit).</summary>
    public uint PeerMaxPduLength { get; }

    /// <summary>How many of our requests may be outstanding at once (negotiated window, 0 = unlimited).</summary>
    public int MaxOperationsInvoked { get; }

    /// <summary>How many of the peer's requests we perform at once (negotiated window, 0 = unlimited).</summary>
    public int MaxOperationsPerformed { get; }

    public DimseAssociationLimits Limits { get; }

    public AssociationState State => _channel.State;

    /// <summary>Completes when the association is over; faulted with the reason when it was aborted.</summary>
    public Task Completion => _ended.Task;

    internal CancellationToken Lifetime => _lifetime.Token;

    /// <summary>The services that answer the peer's requests (set by the host before the association is accepted).</summary>
    internal DimseService Service
    {
        get => _service;
        set => _service = value;
    }

    // ------------------------------------------------------------------ release and abort

    /// <summary>
    /// Orderly release (A-RELEASE, PS3.8 7.2): waits for A-RELEASE-RP within the release timeout, else aborts. This library
    /// releases from the requestor only, the side that knows when its work is done; the acceptor aborts if it must.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRequestor)
        {
            throw new InvalidOperationException("Only the association-requestor releases an association; the acceptor may abort.");
        }

        await _channel.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        await _channel.Completion.ConfigureAwait(false);
    }

    /// <summary>A-ABORT (PS3.8 7.3): ends the association at once; outstanding operations fail.</summary>
    public void Abort() => _channel.Abort(AbortSource.ServiceUser, new DimseAssociationAbortedException("The association was aborted by the local application."));

    /// <summary>Releases when still established and idle enough to do so, otherwise aborts; then waits for the connection to close.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsRequestor && _channel.State == AssociationState.Sta6Established)
        {
            try
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
            catch (DimseException)
            {
                // The release failed (timeout, peer gone): ReleaseAsync aborted already.
            }
        }

        // The lifetime token source is not disposed: handlers still finishing may read its token, and it holds no timer.
        await _channel.DisposeAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ IAssociationUser

    TimeSpan IAssociationUser.EstablishedReadTimeout => Volatile.Read(ref _outstanding) == 0 ? _channel.Timeouts.Idle : Timeout.InfiniteTimeSpan;

    void IAssociationUser.OnReleaseRequested()
    {
        // AR-2: the peer asks to release. Running operations may still send their last responses (AR-7 allows P-DATA
        // in Sta8), bounded by the release timeout; then A-RELEASE-RP goes out.
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (_performing.IsEmpty)
        {
            drained.TrySetResult();
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await drained.Task.WaitAsync(_channel.Timeouts.ReleaseResponse).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Operations still running are cut short by the release; their responses can no longer be sent.
            }

            try
            {
                await _channel.SendReleaseResponseAsync().ConfigureAwait(false);
            }
            catch (DimseException)
            {
                // The association ended meanwhile; nothing to answer.
            }
        });
    }

    void IAssociationUser.OnClosed(Exception? error)
    {
        if (_ended.Task.IsCompleted)
        {
            return;
        }

        var failure = error as DimseException ?? (error is null ? null : new DimseAssociationAbortedException("The association ended: " + error.Message, error));
        foreach (var pending in _pending.Values)
        {
            pending.Fail(failure ?? new DimseAssociationAbortedException("The association was released with this request outstanding."));
        }

        _lifetime.Cancel();

        _ = AbandonIncomingAsync(failure ?? new DimseAssociationAbortedException("The association was released in the middle of a message."));
        if (failure is null)
        {
            _ended.TrySetResult();
        }
        else
        {
            _ended.TrySetException(failure);
            _ = _ended.Task.Exception;
        }
    }

    // ------------------------------------------------------------------ bookkeeping

    private ushort NextMessageId()
    {
        // Message IDs only need to be unique among outstanding requests (PS3.7 9.1.1.1); 0 is avoided.
        while (true)
        {
            var id = (ushort)Interlocked.Increment(ref _nextMessageId);
            if (id != 0 && !_pending.ContainsKey(id))
            {
                return id;
            }
        }
    }

    private void OperationStarted()
    {
        if (Interlocked.Increment(ref _outstanding) == 1)
        {
            _channel.RearmReadTimeout();
        }
    }

    private void OperationEnded()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0)
        {
            _channel.RearmReadTimeout();
        }
    }

    internal DimsePresentationContext ContextFor(string abstractSyntax, DicomTransferSyntax? preferred = null, bool asScuOfStore = false)
    {
        DimsePresentationContext? best = null;
        foreach (var context in _contexts.Values)
        {
            if (!context.IsAccepted || context.AbstractSyntax != abstractSyntax)
            {
                continue;
            }

            // The acceptor may invoke a service only where the requestor took the SCP role (PS3.7 D.3.3.4).
            if (!IsRequestor && !context.RequestorIsScp)
            {
                continue;
            }

            if (IsRequestor && !context.RequestorIsScu)
            {
                continue;
            }

            if (preferred is null || Equals(context.TransferSyntax, preferred))
            {
                return context;
            }

            best ??= context;
        }

        if (best is not null)
        {
            return best;
        }

        var role = IsRequestor ? string.Empty : " with the requestor in the SCP role";
        throw new DimseException($"No presentation context for {Describe(abstractSyntax)} was accepted{role}{(asScuOfStore ? " for C-STORE" : string.Empty)}.");
    }

    internal static string Describe(string uid) => DicomUidRegistry.Lookup(uid) is { } info ? $"{info.Name} ({uid})" : uid;

    /// <summary>A request we sent and the responses that come back for it.</summary>
    private sealed class PendingRequest
    {
        private readonly System.Threading.Channels.Channel<DimseResponse> _responses = System.Threading.Channels.Channel.CreateUnbounded<DimseResponse>(new() { SingleReader = true });

        public PendingRequest(DimseRequest request)
        {
            Request = request;
        }

        public DimseRequest Request { get; }

        public void Deliver(DimseResponse response) => _responses.Writer.TryWrite(response);

        public void Fail(Exception error) => _responses.Writer.TryComplete(error);

        public async ValueTask<DimseResponse> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                return await _responses.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Threading.Channels.ChannelClosedException e) when (e.InnerException is DimseException inner)
            {
                throw inner;
            }
            catch (System.Threading.Channels.ChannelClosedException e)
            {
                throw new DimseAssociationAbortedException("The association ended before the response arrived.", e);
            }
        }
    }
}
