using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Gateway.Tests.QueryRetrieve;

/// <summary>
/// C-MOVE to a destination declared with TLS (PS3.15 B.1): the destination's self-signed certificate is accepted only
/// through the SHA-256 fingerprint pinned in its declaration, as routing and storage commitment reports do.
/// </summary>
[Collection(QueryRetrieveCollection.Name)]
public sealed class TlsMoveTests(QueryRetrieveFixture fixture)
{
    private const string PinnedAe = "TLSPINNED";
    private const string WrongPinAe = "TLSWRONGPIN";
    private static readonly X509Certificate2 DestinationCertificate = TestCertificates.Create("localhost", server: true);

    [Fact]
    public async Task Cmove_to_a_tls_destination_succeeds_with_the_right_pinned_fingerprint_and_is_refused_with_a_wrong_one()
    {
        using var folder = new TempFolder();
        var received = Directory.CreateDirectory(Path.Combine(folder.Path, "received")).FullName;
        var (key, certificate) = TestCertificates.WritePem(DestinationCertificate, folder.Path, "destination");
        var port = FreePort.Next();
        var right = Convert.ToHexString(SHA256.HashData(DestinationCertificate.RawData));

        // Colons and lower case as a fingerprint is usually copied from a certificate viewer.
        var rightAsTyped = string.Join(':', right.ToLowerInvariant().Chunk(2).Select(c => new string(c)));
        var wrong = Convert.ToHexString(SHA256.HashData("another certificate"u8));
        var gatewayPort = await fixture.StartInProcessGatewayAsync(new GatewayOptions
        {
            AeTitle = QueryRetrieveFixture.GatewayAe,
            Port = 0,
            Destinations =
            [
                new DimseDestination { AeTitle = PinnedAe, Host = "127.0.0.1", Port = port, UseTls = true, TlsServerName = "localhost", TlsCertificateSha256 = rightAsTyped },
                new DimseDestination { AeTitle = WrongPinAe, Host = "127.0.0.1", Port = port, UseTls = true, TlsServerName = "localhost", TlsCertificateSha256 = wrong },
            ],
        });

        var study = fixture.Studies.Instances[0].StudyInstanceUid;
        var expected = fixture.Studies.Instances.Where(i => i.StudyInstanceUid == study).Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal).ToList();

        // storescp accepts any AE title it is called by (-ic: no client certificate asked for; -pw: the key has no password).
        using (Dcmtk.StartServer("storescp", ["+tls", key, certificate, "-pw", "-ic", "-od", received, port.ToString(CultureInfo.InvariantCulture)], port))
        {
            var refused = await MoveAsync(gatewayPort, WrongPinAe, study);
            Assert.Equal("0xa702", QueryTools.FinalStatus(refused));
            Assert.True(refused.Output.Contains("fingerprint is not the pinned one", StringComparison.Ordinal), refused.Output);
            Assert.Empty(Directory.GetFiles(received));

            var accepted = await MoveAsync(gatewayPort, PinnedAe, study);
            Assert.True(accepted.ExitCode == 0, accepted.ToString());
            Assert.Equal("0x0000", QueryTools.FinalStatus(accepted));
        }

        var stored = Directory.GetFiles(received).Select(f => DicomFile.Open(f).Dataset.GetString(DicomTag.SOPInstanceUID) ?? string.Empty).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, stored);
    }

    private static Task<DcmtkResult> MoveAsync(int port, string destination, string study) =>
        Dcmtk.RunAsync("movescu",
            ["-d", "-aet", "MOVESCU", "-aec", QueryRetrieveFixture.GatewayAe, "-aem", destination, "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={study}",
             "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)],
            QueryTools.Timeout);
}
