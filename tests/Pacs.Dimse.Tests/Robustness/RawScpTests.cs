using System.Net;
using System.Net.Sockets;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Robustness;

/// <summary>Our SCU against a hand-driven acceptor: release collision, abort in the middle of an operation, rejection.</summary>
public sealed class RawScpTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static async Task<(RawPeer Peer, Task<DimseAssociation> Connect)> AcceptAsync(TcpListener listener, int port)
    {
        var connect = DimseClient.ConnectAsync("127.0.0.1", port, "OUR_SCU", "RAW_SCP", [new DimsePresentationContextRequest(DicomUid.Verification)],
            new DimseClientOptions { Timeouts = TestTimeouts.Short });
        var peer = RawPeer.Wrap(await listener.AcceptTcpClientAsync());
        return (peer, connect);
    }

    private static AssociateAcceptPdu AcceptFor(AssociateRequestPdu request) => new()
    {
        CalledAeTitle = request.CalledAeTitle,
        CallingAeTitle = request.CallingAeTitle,
        PresentationContexts = [.. request.PresentationContexts.Select(p => new PresentationContextResult(p.Id, PresentationContextResultCode.Acceptance, p.TransferSyntaxes[0]))],
        UserInformation = new UserInformation { MaximumLength = 16384, ImplementationClassUid = "1.2.3.4" },
    };

    [Fact]
    public async Task A_release_collision_is_resolved_as_PS3_8_prescribes_for_the_requestor()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (peer, connect) = await AcceptAsync(listener, ((IPEndPoint)listener.LocalEndpoint).Port);
        using (peer)
        {
            var request = Assert.IsType<AssociateRequestPdu>(await peer.ReadPduAsync(Wait));
            await peer.SendAsync(AcceptFor(request));
            var association = await connect;

            var release = association.ReleaseAsync();
            Assert.IsType<ReleaseRequestPdu>(await peer.ReadPduAsync(Wait));

            // The acceptor asks to release too (Sta7 + Evt12 → AR-8 → Sta9): the requestor answers at once (AR-9 → Sta11).
            await peer.SendAsync(ReleaseRequestPdu.Instance);
            Assert.IsType<ReleaseResponsePdu>(await peer.ReadPduAsync(Wait));

            // Our A-RELEASE-RP ends it (Sta11 + Evt13 → AR-3): released, connection closed by the requestor.
            await peer.SendAsync(ReleaseResponsePdu.Instance);
            await release.WaitAsync(Wait);
            Assert.Equal(AssociationState.Sta1Idle, association.State);
            await association.Completion.WaitAsync(Wait);
            Assert.True(await peer.WaitForCloseAsync(Wait) < Wait);
        }
    }

    [Fact]
    public async Task An_abort_from_the_peer_fails_the_outstanding_request_at_once()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (peer, connect) = await AcceptAsync(listener, ((IPEndPoint)listener.LocalEndpoint).Port);
        using (peer)
        {
            await peer.SendAsync(AcceptFor(Assert.IsType<AssociateRequestPdu>(await peer.ReadPduAsync(Wait))));
            await using var association = await connect;
            var echo = association.EchoAsync();
            Assert.IsType<PDataTfPdu>(await peer.ReadPduAsync(Wait));
            await peer.SendAsync(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified));

            var error = await Assert.ThrowsAsync<DimseAssociationAbortedException>(() => echo.WaitAsync(Wait));
            Assert.Contains("A-ABORT", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<DimseAssociationAbortedException>(() => association.Completion.WaitAsync(Wait));
            Assert.Equal(AssociationState.Sta1Idle, association.State);
        }
    }

    [Fact]
    public async Task A_p_data_on_a_context_that_was_not_accepted_aborts_the_association()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (peer, connect) = await AcceptAsync(listener, ((IPEndPoint)listener.LocalEndpoint).Port);
        using (peer)
        {
            await peer.SendAsync(AcceptFor(Assert.IsType<AssociateRequestPdu>(await peer.ReadPduAsync(Wait))));
            await using var association = await connect;
            await peer.SendAsync(new PDataTfPdu([new PresentationDataValue(99, true, true, new byte[] { 1, 2 })]));
            var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(Wait));
            Assert.Equal(AbortSource.ServiceProvider, abort.Source);
            await Assert.ThrowsAsync<DimseAssociationAbortedException>(() => association.Completion.WaitAsync(Wait));
        }
    }
}
