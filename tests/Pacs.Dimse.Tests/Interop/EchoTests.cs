using Pacs.Dicom;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Interop;

public sealed class EchoTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Echoscu_gets_success_from_our_scp()
    {
        await using var scp = TestScp.Start();
        var result = await Dcmtk.RunAsync("echoscu", ["-v", "-aec", TestScp.AeTitle, "-aet", "ECHOSCU", "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Received Echo Response (Success)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Releasing Association", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_scu_echoes_our_scp_and_releases()
    {
        await using var scp = TestScp.Start();
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "ECHO_SCU", TestScp.AeTitle,
            [new DimsePresentationContextRequest(DicomUid.Verification)], new DimseClientOptions { Timeouts = TestTimeouts.Short });
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
        await association.ReleaseAsync();
        Assert.Equal(AssociationState.Sta1Idle, association.State);
        await association.Completion;
    }

    [Fact]
    public async Task Unknown_called_ae_is_rejected_permanently_by_the_service_user_with_reason_7()
    {
        await using var scp = TestScp.Start();
        var result = await Dcmtk.RunAsync("echoscu", ["-v", "-aec", "NOT_HERE", "127.0.0.1", scp.Port.ToString()], ToolTimeout);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Called AE Title Not Recognized", result.Output, StringComparison.OrdinalIgnoreCase);

        var error = await Assert.ThrowsAsync<DimseAssociationRejectedException>(() => DimseClient.ConnectAsync("127.0.0.1", scp.Port, "ME", "NOT_HERE",
            [new DimsePresentationContextRequest(DicomUid.Verification)], new DimseClientOptions { Timeouts = TestTimeouts.Short }));
        Assert.Equal(AssociateRejectResult.RejectedPermanent, error.Reject.Result);
        Assert.Equal(AssociateRejectSource.ServiceUser, error.Reject.Source);
        Assert.Equal(AssociateRejectReason.UserCalledAeTitleNotRecognized, error.Reject.Reason);
    }
}
