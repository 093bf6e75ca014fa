using System.Buffers.Binary;
using System.Net.Sockets;
using Pacs.Dicom;

namespace Pacs.Dimse.Tests.Support;

/// <summary>A hand-driven TCP peer for protocol abuse: sends whatever bytes it is told and reads PDUs back.</summary>
public sealed class RawPeer : IDisposable
{
    private readonly TcpClient _client;

    private RawPeer(TcpClient client)
    {
        _client = client;
        Stream = client.GetStream();
    }

    public NetworkStream Stream { get; }

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new RawPeer(client);
    }

    /// <summary>Takes over a connection accepted by a test's own listener (the peer plays the SCP).</summary>
    public static RawPeer Wrap(TcpClient accepted)
    {
        accepted.NoDelay = true;
        return new RawPeer(accepted);
    }

    public static AssociateRequestPdu EchoRequest(string calledAe = TestScp.AeTitle) => new()
    {
        CalledAeTitle = calledAe,
        CallingAeTitle = "RAW_PEER",
        PresentationContexts = [new PresentationContextProposal(1, DicomUid.Verification, [DicomTransferSyntax.ImplicitVRLittleEndian.Uid])],
        UserInformation = new UserInformation { MaximumLength = 16384, ImplementationClassUid = "1.2.3.4" },
    };

    public Task SendAsync(Pdu pdu) => SendAsync(PduWriter.ToArray(pdu));

    public async Task SendAsync(byte[] bytes) => await Stream.WriteAsync(bytes);

    /// <summary>Reads one PDU, or null when the peer closed the connection first.</summary>
    public async Task<Pdu?> ReadPduAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var header = new byte[6];
        if (!await ReadExactlyAsync(header, cts.Token))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2))];
        if (!await ReadExactlyAsync(body, cts.Token))
        {
            return null;
        }

        return PduReader.Parse([.. header, .. body]);
    }

    /// <summary>Waits until the other side closes the connection; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForCloseAsync(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await Stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the peer: closed all the same.
        }

        return clock.Elapsed;
    }

    public void Dispose() => _client.Dispose();

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await Stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            }
            catch (IOException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
