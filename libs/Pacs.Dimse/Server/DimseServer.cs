using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Pacs.Dimse;

/// <summary>
/// An SCP host: listens, negotiates each association with the <see cref="DimseAssociationPolicy"/>, and serves it with
/// the application's <see cref="DimseService"/>. Connections beyond the limit are refused with a reason, every wait is
/// bounded (<see cref="DimseTimeouts"/>), and <see cref="StopAsync"/> stops accepting, lets running associations finish
/// up to a deadline, then aborts the rest.
/// </summary>
public sealed class DimseServer : IAsyncDisposable
{
    private readonly DimseServerOptions _options;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Connection, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _associations;
    private long _accepted;

    private DimseServer(DimseServerOptions options)
    {
        _options = options;
        _listener = new Socket(options.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(options.EndPoint);
            _listener.Listen(options.ListenBacklog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The address and port listened on (the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Open connections (associations being negotiated, established or closing).</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>Established associations right now.</summary>
    public int ActiveAssociations => Volatile.Read(ref _associations);

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Binds and starts accepting.</summary>
    public static DimseServer Start(DimseServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DimseServer(options);
    }

    /// <summary>
    /// Graceful shutdown: stop accepting now; associations that are established may finish their work until
    /// <paramref name="gracePeriod"/> has passed, then every remaining connection is aborted.
    /// </summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        if (!_stopping.IsCancellationRequested)
        {
            // Close the listening socket first, synchronously: from here on a new connection is refused at once.
            _listener.Dispose();
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _acceptLoop.ConfigureAwait(false);

        // Connections still in their TLS handshake or waiting for their A-ASSOCIATE-RQ have no work to finish.
        foreach (var connection in _connections.Keys.Where(c => c.Channel is null or { State: AssociationState.Sta2AwaitingAssociateRequest }))
        {
            connection.Abort();
        }

        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(gracePeriod).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Abort();
            }

            await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset before accept completed, or descriptors ran out for a moment: keep listening.
                continue;
            }

            Interlocked.Increment(ref _accepted);
            if (_connections.Count >= 2 * _options.MaxAssociations)
            {
                // Far over the limit: do not even read the request.
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var connection = new Connection(socket, overLimit: _connections.Count >= _options.MaxAssociations);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection] = gate.Task;
            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(connection).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    gate.TrySetResult();
                }
            });
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        var remote = connection.Socket.RemoteEndPoint;
        Stream stream = new NetworkStream(connection.Socket, ownsSocket: true);
        if (_options.Tls is { } tls)
        {
            stream = await StartTlsAsync(stream, tls, remote).ConfigureAwait(false) ?? Stream.Null;
            if (stream == Stream.Null)
            {
                return;
            }
        }

        var channel = new AssociationChannel(stream, isRequestor: false, _options.Timeouts, _options.Limits.Pdu, remote);
        connection.Channel = channel;
        try
        {
            var request = await channel.ReceiveRequestAsync().ConfigureAwait(false);
            if (request is null)
            {
                await channel.Completion.ConfigureAwait(false);
                Report(remote, channel.CloseReason);
                return;
            }

            if (connection.OverLimit)
            {
                await channel.RejectAsync(new AssociateRejectPdu(AssociateRejectResult.RejectedTransient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReason.PresentationLocalLimitExceeded)).ConfigureAwait(false);
                return;
            }

            using var decision = new CancellationTokenSource(_options.Timeouts.Artim);
            var (accept, reject) = await NegotiateAsync(request, channel, decision.Token).ConfigureAwait(false);
            if (reject is not null)
            {
                await channel.RejectAsync(reject).ConfigureAwait(false);
                return;
            }

            var association = new DimseAssociation(channel, request, accept!, null, _options.Limits);
            association.Service = _options.ServiceFactory(association);
            Interlocked.Increment(ref _associations);
            try
            {
                await channel.AcceptAsync(accept!, association).ConfigureAwait(false);
                channel.RearmReadTimeout();
                try
                {
                    await association.Completion.ConfigureAwait(false);
                }
                catch (DimseException e)
                {
                    // Aborted: the association is over all the same; the reason was the peer's or a timeout's.
                    Report(remote, e);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _associations);
            }
        }
        catch (DimseException e)
        {
            // A connection that failed during negotiation (peer gone, ARTIM, timeout).
            Report(remote, e);
        }
        finally
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Report(EndPoint? remote, Exception? error)
    {
        if (error is not null)
        {
            _options.ConnectionFailed?.Invoke(remote, error);
        }
    }

    /// <summary>TLS handshake (PS3.15 B.1), bounded by ARTIM like the wait for A-ASSOCIATE-RQ it precedes.</summary>
    private async Task<Stream?> StartTlsAsync(Stream stream, DimseTlsServerOptions tls, EndPoint? remote)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.Timeouts.Artim);
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = tls.ServerCertificate,
                    ClientCertificateRequired = tls.RequireClientCertificate,
                    RemoteCertificateValidationCallback = tls.ClientCertificateValidation,
                    EnabledSslProtocols = tls.EnabledProtocols,
                },
                timeout.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            Report(remote, new DimseException("The TLS handshake failed: " + e.Message, e));
            return null;
        }
    }

    private async Task<(AssociateAcceptPdu? Accept, AssociateRejectPdu? Reject)> NegotiateAsync(AssociateRequestPdu request, AssociationChannel channel, CancellationToken cancellationToken)
    {
        var policy = _options.Policy;
        if (await policy.CheckAsync(request, channel.RemoteEndPoint, cancellationToken).ConfigureAwait(false) is { } reject)
        {
            return (null, reject);
        }

        UserIdentityResponse? identityResponse = null;
        if (request.UserInformation.UserIdentityRequest is { } identity)
        {
            var outcome = await policy.AuthenticateAsync(identity, channel.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            if (!outcome.Accepted)
            {
                // PS3.7 D.3.3.7.3: an identity the acceptor does not accept rejects the association.
                return (null, new AssociateRejectPdu(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserNoReasonGiven));
            }

            if (identity.PositiveResponseRequested)
            {
                identityResponse = new UserIdentityResponse(outcome.ServerResponse);
            }
        }

        var contexts = request.PresentationContexts.Select(policy.NegotiateContext).ToList();
        var roles = request.UserInformation.RoleSelections.Select(policy.NegotiateRole).OfType<RoleSelection>().ToList();
        var extended = new List<SopClassExtendedNegotiation>();
        foreach (var proposal in request.UserInformation.ExtendedNegotiations)
        {
            if (policy.NegotiateExtended(proposal) is { } info)
            {
                extended.Add(new SopClassExtendedNegotiation(proposal.SopClassUid, info));
            }
        }

        AsynchronousOperationsWindow? window = null;
        if (request.UserInformation.AsynchronousOperationsWindow is { } proposed)
        {
            // PS3.7 D.3.3.3: answer with what we support, never more than proposed; 0 means unlimited on either side.
            var max = policy.MaxAsynchronousOperationsWindow;
            window = new AsynchronousOperationsWindow(Smaller(proposed.MaxOperationsInvoked, max.MaxOperationsInvoked), Smaller(proposed.MaxOperationsPerformed, max.MaxOperationsPerformed));
        }

        var accept = new AssociateAcceptPdu
        {
            CalledAeTitle = request.CalledAeTitle,
            CallingAeTitle = request.CallingAeTitle,
            PresentationContexts = contexts,
            UserInformation = new UserInformation
            {
                MaximumLength = _options.Limits.Pdu.MaxPDataLength,
                ImplementationClassUid = _options.ImplementationClassUid,
                ImplementationVersionName = _options.ImplementationVersionName,
                AsynchronousOperationsWindow = window,
                RoleSelections = roles,
                ExtendedNegotiations = extended,
                UserIdentityResponse = identityResponse,
            },
        };
        return (accept, null);
    }

    private static ushort Smaller(ushort a, ushort b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);

    /// <summary>One accepted connection; its channel exists once the transport (TLS included) is up.</summary>
    private sealed class Connection(Socket socket, bool overLimit)
    {
        public Socket Socket => socket;

        public bool OverLimit => overLimit;

        public AssociationChannel? Channel { get; set; }

        public void Abort()
        {
            if (Channel is { } channel)
            {
                channel.Abort(AbortSource.ServiceProvider, new DimseAssociationAbortedException("The server is shutting down."));
            }
            else
            {
                socket.Dispose();
            }
        }
    }
}
