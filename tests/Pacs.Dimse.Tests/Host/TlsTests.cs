using System.Security.Cryptography.X509Certificates;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Host;

/// <summary>PS3.15 B.1 secure transport: TLS both ways, with optional client certificates.</summary>
public sealed class TlsTests
{
    private static readonly X509Certificate2 ServerCertificate = TestCertificates.Create("localhost", server: true);
    private static readonly X509Certificate2 ClientCertificate = TestCertificates.Create("modality", server: false);

    private static DimseTlsClientOptions PinnedClient(X509Certificate2? clientCertificate = null) => new()
    {
        TargetHost = "localhost",
        ClientCertificate = clientCertificate,

        // The test's own self-signed certificate is trusted by pinning it, as a site would pin its CA.
        ServerCertificateValidation = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == ServerCertificate.GetCertHashString(),
    };

    private static TestScp StartTls(bool requireClientCertificate = false) => TestScp.Start(configure: o => o with
    {
        Tls = new DimseTlsServerOptions
        {
            ServerCertificate = ServerCertificate,
            RequireClientCertificate = requireClientCertificate,
            ClientCertificateValidation = requireClientCertificate
                ? (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == ClientCertificate.GetCertHashString()
                : null,
        },
    });

    private static Task<DimseAssociation> ConnectAsync(TestScp scp, DimseTlsClientOptions? tls) =>
        DimseClient.ConnectAsync("127.0.0.1", scp.Port, "TLS_SCU", TestScp.AeTitle, [new DimsePresentationContextRequest(DicomUid.Verification)],
            new DimseClientOptions { Timeouts = TestTimeouts.Short, Tls = tls });

    [Fact]
    public async Task Our_client_echoes_our_server_over_tls()
    {
        await using var scp = StartTls();
        await using var association = await ConnectAsync(scp, PinnedClient());
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
        await association.ReleaseAsync();
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_refuses_clients_without_one()
    {
        await using var scp = StartTls(requireClientCertificate: true);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var association = await ConnectAsync(scp, PinnedClient());
            await association.EchoAsync();
        });

        await using var trusted = await ConnectAsync(scp, PinnedClient(ClientCertificate));
        Assert.Equal(DimseStatus.Success, await trusted.EchoAsync());
    }

    [Fact]
    public async Task A_client_refuses_a_server_certificate_it_does_not_trust()
    {
        await using var scp = StartTls();
        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => ConnectAsync(scp, new DimseTlsClientOptions { TargetHost = "localhost" }));
    }

    [Fact]
    public async Task A_plain_peer_on_the_tls_port_is_dropped_in_bounded_time()
    {
        await using var scp = StartTls();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<DimseException>(() => ConnectAsync(scp, tls: null));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Echoscu_over_tls_gets_success_from_our_scp()
    {
        using var folder = new TempFolder();
        var (key, certificate) = TestCertificates.WritePem(ClientCertificate, folder.Path, "echoscu");
        var (_, serverCertificate) = TestCertificates.WritePem(ServerCertificate, folder.Path, "server");
        await using var scp = StartTls();
        var result = await Dcmtk.RunAsync("echoscu", ["-v", "+tls", key, certificate, "-pw", "+cf", serverCertificate, "-aec", TestScp.AeTitle, "127.0.0.1", scp.Port.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received Echo Response (Success)", result.Output, StringComparison.Ordinal);
    }
}
