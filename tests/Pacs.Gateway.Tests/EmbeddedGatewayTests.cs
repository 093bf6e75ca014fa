using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Tests.Support;
using Pacs.Server;

namespace Pacs.Gateway.Tests;

/// <summary>The gateway inside the embedded server (services/Pacs.Server): same process, the archive reached directly.</summary>
public sealed class EmbeddedGatewayTests
{
    [Fact]
    public async Task Embedded_server_listens_by_default_as_ae_PACS_on_loopback_port_11112_with_its_spool_in_the_data_folder()
    {
        using var folder = new TempFolder();
        var app = PacsServer.Build([$"--Pacs:DataFolder={folder.Path}"]);
        await using (app)
        {
            var options = app.Services.GetRequiredService<GatewayOptions>();
            Assert.True(options.Enabled);
            Assert.Equal("PACS", options.AeTitle);
            Assert.Equal("127.0.0.1", options.BindAddress);
            Assert.Equal(11112, options.Port);
            Assert.Equal(Path.Combine(folder.Path, "gateway-spool"), options.SpoolFolder);
            Assert.Equal("InProcessArchiveUploader", app.Services.GetRequiredService<IArchiveUploader>().GetType().Name);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Storescu_into_the_embedded_gateway_lands_in_the_same_process_archive_and_is_committed()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "5",
            "--rows", "8", "--cols", "8", "--seed", "4401");
        await using var server = await ArchiveServer.StartAsync(folder.Folder("data"), FreePort.Next(),
            "--Pacs:Gateway:Enabled=true", "--Pacs:Gateway:Port=0", "--Pacs:Gateway:AeTitle=HOSPITAL_PACS");
        var port = server.GatewayPort.ToString(CultureInfo.InvariantCulture);

        var result = await Dcmtk.RunAsync("storescu", ["-R", "+sd", "+r", "+sp", "*.dcm", "-aet", "CT1", "-aec", "HOSPITAL_PACS", "127.0.0.1", port, studies.Folder],
            TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        await Eventually.WaitAsync(async () => await server.CountAsync() == studies.Instances.Count, TimeSpan.FromMinutes(1), "the instances in the archive");
        var stored = await server.InstancesAsync();
        foreach (var instance in studies.Instances)
        {
            Assert.Equal(Part10.DatasetSha256(studies.FullPath(instance)), await server.DatasetSha256Async(stored[instance.SopInstanceUid].BlobName));
        }

        // Storage commitment answered from the same index.
        var report = new TaskCompletionSource<NEventReportRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", server.GatewayPort, "CT1", "HOSPITAL_PACS",
            [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel, DimseTransferSyntaxes.Uncompressed)],
            new DimseClientOptions
            {
                Service = new ReportSink(report),
                RoleSelections = [new RoleSelection(DicomUid.StorageCommitmentPushModel, ScuRole: true, ScpRole: true)],
            });
        var sopClass = DicomFile.Open(studies.FullPath(studies.Instances[0])).SopClassUid!;
        var data = new DicomDataset().Set(DicomTag.TransactionUID, "1.2.826.0.1.3680043.10.1040.44.1");
        data.SetSequence(DicomTag.ReferencedSOPSequence, [.. studies.Instances.Select(i =>
            new DicomDataset().Set(DicomTag.ReferencedSOPClassUID, sopClass).Set(DicomTag.ReferencedSOPInstanceUID, i.SopInstanceUid))]);
        var response = await association.NActionAsync(new NActionRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1, data));
        Assert.Equal(DimseStatus.Success.Code, response.Status.Code);
        var reported = await report.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, reported.EventTypeId);
        Assert.Equal(studies.Instances.Count, reported.Dataset!.GetSequence(DicomTag.ReferencedSOPSequence).Count);
        await association.ReleaseAsync();
    }

    private sealed class ReportSink(TaskCompletionSource<NEventReportRequest> report) : DimseService
    {
        public override ValueTask<DimseNResult> OnEventReportAsync(DimseRequestContext context, NEventReportRequest request, CancellationToken cancellationToken)
        {
            report.TrySetResult(request);
            return ValueTask.FromResult(DimseNResult.Success());
        }
    }
}
