using System.Net.Sockets;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Robustness;

/// <summary>No peer can hang a connection or the listener: silence, garbage, huge lengths and abrupt closes all end in bounded time.</summary>
public sealed class MisbehavingPeerTests
{
    private static readonly DimseTimeouts Quick = TestTimeouts.Short with { Artim = TimeSpan.FromMilliseconds(500), Idle = TimeSpan.FromSeconds(1) };

    private static TestScp StartQuick(DimseService? service = null) => TestScp.Start(service, configure: o => o with { Timeouts = Quick });

    [Fact]
    public async Task A_peer_that_connects_and_sends_nothing_is_closed_by_artim_and_reported()
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        await using var scp = TestScp.Start(configure: o => o with { Timeouts = Quick, ConnectionFailed = (_, e) => failures.Enqueue(e) });
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        var elapsed = await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
        Assert.Contains("ARTIM", Assert.IsType<DimseTimeoutException>(Assert.Single(failures)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_pdu_length_before_the_association_is_aborted_without_allocating_it()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // An A-ASSOCIATE-RQ header announcing 4 GiB - 16 bytes, and nothing after it.
        await peer.SendAsync([0x01, 0, 0xFF, 0xFF, 0xFF, 0xF0]);
        var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        var elapsed = await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"closed after {elapsed}");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes were allocated for a PDU that was refused");
    }

    [Fact]
    public async Task A_huge_p_data_length_in_an_association_is_aborted_without_allocating_it()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(RawPeer.EchoRequest());
        Assert.IsType<AssociateAcceptPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await peer.SendAsync([0x04, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
        var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes were allocated for a PDU that was refused");
        await WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
    }

    [Fact]
    public async Task An_unknown_pdu_type_is_aborted_as_unrecognized()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync([0x42, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
        var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AbortReason.UnrecognizedPdu, abort.Reason);
    }

    [Fact]
    public async Task A_p_data_before_the_association_is_an_unexpected_pdu()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(new PDataTfPdu([new PresentationDataValue(1, true, true, new byte[] { 0 })]));
        var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.Equal(AbortReason.UnexpectedPdu, abort.Reason);
    }

    [Fact]
    public async Task A_second_associate_request_in_an_association_aborts_it()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(RawPeer.EchoRequest());
        Assert.IsType<AssociateAcceptPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        await peer.SendAsync(RawPeer.EchoRequest());
        Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Protocol_version_2_is_rejected_by_the_acse_provider()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        var request = RawPeer.EchoRequest();
        await peer.SendAsync(new AssociateRequestPdu
        {
            ProtocolVersion = 2,
            CalledAeTitle = request.CalledAeTitle,
            CallingAeTitle = request.CallingAeTitle,
            PresentationContexts = request.PresentationContexts,
            UserInformation = request.UserInformation,
        });
        var reject = Assert.IsType<AssociateRejectPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AssociateRejectSource.ServiceProviderAcse, reject.Source);
        Assert.Equal(AssociateRejectReason.AcseProtocolVersionNotSupported, reject.Reason);
    }

    [Fact]
    public async Task A_peer_that_stalls_half_way_through_a_pdu_is_aborted_by_the_idle_timeout()
    {
        await using var scp = StartQuick();
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(RawPeer.EchoRequest());
        Assert.IsType<AssociateAcceptPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));

        // The header of a 100-byte P-DATA-TF, then ten bytes of it, then silence.
        await peer.SendAsync([0x04, 0, 0, 0, 0, 100, 0, 0, 0, 96, 1, 3, 0, 0, 0, 0]);
        var abort = Assert.IsType<AbortPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(AbortSource.ServiceUser, abort.Source);
        var elapsed = await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"closed after {elapsed}");
        await WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
    }

    [Fact]
    public async Task An_abrupt_close_in_the_middle_of_a_store_tells_the_destination_and_frees_the_association()
    {
        using var spool = new TempFolder();
        var service = new SpoolingStoreService(spool.Path);
        await using var scp = StartQuick(service);
        var file = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/MR2_UNCR.dcm"));
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(new AssociateRequestPdu
        {
            CalledAeTitle = TestScp.AeTitle,
            CallingAeTitle = "RAW_PEER",
            PresentationContexts = [new PresentationContextProposal(1, file.SopClassUid!, [file.TransferSyntax.Uid])],
            UserInformation = new UserInformation { MaximumLength = 16384, ImplementationClassUid = "1.2.3.4" },
        });
        Assert.IsType<AssociateAcceptPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));

        // A C-STORE-RQ command, then one data fragment that is not the last, then the connection is reset.
        using var command = new MemoryStream();
        DicomWriter.WriteDataset(command, new CStoreRequest(file.SopClassUid!, file.SopInstanceUid!) { MessageId = 1 }.Command, DicomTransferSyntax.ImplicitVRLittleEndian);
        await peer.SendAsync(new PDataTfPdu([new PresentationDataValue(1, true, true, command.ToArray())]));
        await peer.SendAsync(new PDataTfPdu([new PresentationDataValue(1, false, false, new byte[8000])]));
        await WaitUntilAsync(() => Directory.GetFiles(spool.Path).Length == 1);
        peer.Stream.Socket.LingerState = new LingerOption(true, 0);
        peer.Dispose();

        await WaitUntilAsync(() => service.Aborted.Contains(file.SopInstanceUid!));
        await WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
        Assert.Empty(service.Received);

        // The destination stream was disposed: the spool file can be opened exclusively.
        using var exclusive = new FileStream(Directory.GetFiles(spool.Path)[0], FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        Assert.Equal(8000, exclusive.Length);
    }

    [Fact]
    public async Task A_c_store_without_a_data_set_is_answered_with_a_failure()
    {
        await using var scp = StartQuick(new SpoolingStoreService(Path.GetTempPath()));
        using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(new AssociateRequestPdu
        {
            CalledAeTitle = TestScp.AeTitle,
            CallingAeTitle = "RAW_PEER",
            PresentationContexts = [new PresentationContextProposal(1, DicomUid.CTImageStorage, [DicomTransferSyntax.ImplicitVRLittleEndian.Uid])],
            UserInformation = new UserInformation { MaximumLength = 16384, ImplementationClassUid = "1.2.3.4" },
        });
        Assert.IsType<AssociateAcceptPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        var request = new CStoreRequest(DicomUid.CTImageStorage, "1.2.3") { MessageId = 5, HasDataset = false };
        using var command = new MemoryStream();
        DicomWriter.WriteDataset(command, request.Command, DicomTransferSyntax.ImplicitVRLittleEndian);
        await peer.SendAsync(new PDataTfPdu([new PresentationDataValue(1, true, true, command.ToArray())]));

        var reply = Assert.IsType<PDataTfPdu>(await peer.ReadPduAsync(TimeSpan.FromSeconds(5)));
        var response = (CStoreResponse)DimseMessage.FromCommand(DicomFile.ReadDataset(new MemoryStream(reply.Values[0].Data.ToArray()), DicomTransferSyntax.ImplicitVRLittleEndian));
        Assert.Equal(5, response.MessageIdBeingRespondedTo);
        Assert.Equal(DimseStatus.CannotUnderstand, response.Status);
    }

    [Fact]
    public async Task A_silent_scp_cannot_hang_our_scu_waiting_for_the_associate_answer()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var connect = DimseClient.ConnectAsync("127.0.0.1", port, "ME", "SILENT", [new DimsePresentationContextRequest(DicomUid.Verification)],
            new DimseClientOptions { Timeouts = Quick with { AssociateResponse = TimeSpan.FromMilliseconds(500) } });
        using var accepted = await listener.AcceptTcpClientAsync();
        await Assert.ThrowsAsync<DimseTimeoutException>(() => connect);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_scp_that_never_answers_a_request_is_aborted_after_the_dimse_timeout()
    {
        var stuck = new StuckEchoService();
        await using var scp = StartQuick(stuck);
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "ME", TestScp.AeTitle, [new DimsePresentationContextRequest(DicomUid.Verification)],
            new DimseClientOptions { Timeouts = Quick with { DimseResponse = TimeSpan.FromMilliseconds(500) } });
        await Assert.ThrowsAsync<DimseTimeoutException>(() => association.EchoAsync());
        await Assert.ThrowsAnyAsync<DimseException>(() => association.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await stuck.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5)), "The SCP's handler was not cancelled when the association ended.");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Polls a condition the code under test brings about on its own threads; bounded, so a failure fails in seconds.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come true within 10 s.");
            await Task.Delay(10);
        }
    }

    private sealed class StuckEchoService : DimseService
    {
        public TaskCompletionSource<bool> Cancelled { get; } = new();

        public override async ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult(true);
                throw;
            }

            return DimseStatus.Success;
        }
    }
}
