using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Pacs.Dimse;

/// <summary>
/// Opens SCU associations: <c>await using var association = await DimseClient.ConnectAsync(host, port, "ME", "PACS",
/// contexts);</c> then <c>EchoAsync</c>, <c>StoreFileAsync</c>, <c>FindAsync</c>, … and <c>ReleaseAsync</c> (disposal
/// releases too).
/// </summary>
public static class DimseClient
{
    /// <summary>
    /// Connects (TCP, then TLS when configured) and negotiates the association. Throws
    /// <see cref="DimseAssociationRejectedException"/> when the peer rejects it, <see cref="DimseTimeoutException"/> when
    /// a step takes longer than its timeout.
    /// </summary>
    public static async Task<DimseAssociation> ConnectAsync(
        string host,
        int port,
        string callingAeTitle,
        string calledAeTitle,
        IEnumerable<DimsePresentationContextRequest> presentationContexts,
        DimseClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(presentationContexts);
        options ??= DimseClientOptions.Default;
        var proposals = presentationContexts.Select((pc, i) => new PresentationContextProposal((byte)((2 * i) + 1), pc.AbstractSyntax, pc.TransferSyntaxes)).ToList();
        if (proposals.Count is 0 or > 128)
        {
            // PS3.8 9.3.2.2: odd IDs 1–255, so at most 128 presentation contexts.
            throw new ArgumentException($"Between 1 and 128 presentation contexts can be proposed; {proposals.Count} were given.", nameof(presentationContexts));
        }

        var request = new AssociateRequestPdu
        {
            CalledAeTitle = calledAeTitle,
            CallingAeTitle = callingAeTitle,
            PresentationContexts = proposals,
            UserInformation = new UserInformation
            {
                MaximumLength = options.Limits.Pdu.MaxPDataLength,
                ImplementationClassUid = options.ImplementationClassUid,
                ImplementationVersionName = options.ImplementationVersionName,
                AsynchronousOperationsWindow = options.AsynchronousOperationsWindow,
                RoleSelections = options.RoleSelections,
                ExtendedNegotiations = options.ExtendedNegotiations,
                CommonExtendedNegotiations = options.CommonExtendedNegotiations,
                UserIdentityRequest = options.UserIdentity,
            },
        };

        // Validate the request before touching the network (AE titles, lengths).
        _ = PduWriter.ToArray(request);

        var (stream, remote) = await OpenTransportAsync(host, port, options, cancellationToken).ConfigureAwait(false);
        var channel = new AssociationChannel(stream, isRequestor: true, options.Timeouts, options.Limits.Pdu, remote);
        var pendingUser = new PendingUser();
        try
        {
            var accept = await channel.RequestAsync(request, pendingUser, cancellationToken).ConfigureAwait(false);
            var association = new DimseAssociation(channel, request, accept, options.Service ?? new DimseService(), options.Limits);
            pendingUser.Attach(association);
            channel.RearmReadTimeout();
            return association;
        }
        catch
        {
            pendingUser.Attach(NoUser.Instance);
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<(Stream Stream, EndPoint? Remote)> OpenTransportAsync(string host, int port, DimseClientOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeouts.Connect);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = tls.TargetHost ?? host,
                        ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                        RemoteCertificateValidationCallback = tls.ServerCertificateValidation,
                        EnabledSslProtocols = tls.EnabledProtocols,
                    },
                    timeout.Token).ConfigureAwait(false);
            }

            return (stream, socket.RemoteEndPoint);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new DimseTimeoutException($"Connecting to {host}:{port} took longer than {options.Timeouts.Connect.TotalSeconds:0.###} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stands in for the association while A-ASSOCIATE-AC is awaited: nothing but the AC can legally arrive then, and once
    /// the association exists every call is forwarded to it.
    /// </summary>
    private sealed class PendingUser : IAssociationUser
    {
        private readonly TaskCompletionSource<IAssociationUser> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IAssociationUser? _association;

        public TimeSpan EstablishedReadTimeout => _association?.EstablishedReadTimeout ?? Timeout.InfiniteTimeSpan;

        public void Attach(IAssociationUser association)
        {
            _association = association;
            _attached.TrySetResult(association);
        }

        public async ValueTask OnPDataAsync(System.Buffers.ReadOnlySequence<byte> body)
        {
            // A peer may send its first request the moment A-ASSOCIATE-AC is out; it waits for the association object.
            var association = _association ?? await _attached.Task.ConfigureAwait(false);
            await association.OnPDataAsync(body).ConfigureAwait(false);
        }

        public void OnReleaseRequested() => _association?.OnReleaseRequested();

        public void OnClosed(Exception? error) => _association?.OnClosed(error);
    }

    /// <summary>The user of a channel whose association never came to be.</summary>
    internal sealed class NoUser : IAssociationUser
    {
        public static readonly NoUser Instance = new();

        public TimeSpan EstablishedReadTimeout => TimeSpan.FromSeconds(1);

        public ValueTask OnPDataAsync(System.Buffers.ReadOnlySequence<byte> body) =>
            throw new DimsePduException("P-DATA-TF arrived on a connection without an association.", AbortReason.UnexpectedPdu);

        public void OnReleaseRequested()
        {
        }

        public void OnClosed(Exception? error)
        {
        }
    }
}
