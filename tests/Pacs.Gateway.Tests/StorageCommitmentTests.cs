using System.Globalization;
using System.Net;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Tests.Support;

namespace Pacs.Gateway.Tests;

/// <summary>Storage Commitment Push Model (PS3.4 J) with our own DIMSE client as the requesting modality.</summary>
public sealed class StorageCommitmentTests
{
    private static readonly string Unknown = "1.2.826.0.1.3680043.10.1040.99.1";

    [Fact(Timeout = 300_000)]
    public async Task Commitment_is_reported_on_the_same_association_once_the_instances_are_in_the_archive_and_lists_unknown_ones_as_failed()
    {
        using var folder = new TempFolder();
        using var studies = Studies("4101");
        var archivePort = FreePort.Next();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort);
        await StoreAsync(gateway, studies);

        var catcher = new ReportCatcher();
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", gateway.Port, "MODALITY", "PACS",
            [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel, DimseTransferSyntaxes.Uncompressed)],
            new DimseClientOptions
            {
                Service = catcher,
                // PS3.4 J.3.3 / PS3.7 D.3.3.4: the requestor also takes the SCP role so the report may come on this association.
                RoleSelections = [new RoleSelection(DicomUid.StorageCommitmentPushModel, ScuRole: true, ScpRole: true)],
                Timeouts = DimseTimeouts.Default with { Idle = TimeSpan.FromMinutes(5) },
            });
        var transaction = "1.2.826.0.1.3680043.10.1040.41.1";
        var response = await association.NActionAsync(Request(transaction, studies, Unknown));
        Assert.Equal(DimseStatus.Success.Code, response.Status.Code);

        // The archive is still down: the instances wait in the spool, so no report yet.
        await Eventually.WaitAsync(() => gateway.Forwarder.FailedRequests > 0, TimeSpan.FromSeconds(30), "the forwarder tried the archive");
        Assert.False(catcher.Report.Task.IsCompleted, "a report was sent before the instances reached the archive");

        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);
        var report = await catcher.Report.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(2, report.EventTypeId);
        var data = report.Dataset!;
        Assert.Equal(transaction, data.GetString(DicomTag.TransactionUID));
        var committed = data.GetSequence(DicomTag.ReferencedSOPSequence).Select(i => i.GetString(DicomTag.ReferencedSOPInstanceUID) ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(studies.Instances.Select(i => i.SopInstanceUid).ToHashSet(), committed);
        var failed = Assert.Single(data.GetSequence(DicomTag.FailedSOPSequence));
        Assert.Equal(Unknown, failed.GetString(DicomTag.ReferencedSOPInstanceUID));
        Assert.Equal((ushort)0x0112, failed.GetUInt16(DicomTag.FailureReason));
        Assert.Equal(studies.Instances.Count, await archive.CountAsync());
        await association.ReleaseAsync();
        await Eventually.WaitAsync(() => gateway.Commitment.PendingCount == 0, TimeSpan.FromSeconds(10), "the request forgotten once reported");
    }

    [Fact(Timeout = 300_000)]
    public async Task Commitment_is_reported_on_a_new_association_to_the_requestors_destination_when_it_has_released()
    {
        using var folder = new TempFolder();
        using var studies = Studies("4102");
        var archivePort = FreePort.Next();
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);

        // The modality's own SCP, where the gateway reports later.
        var catcher = new ReportCatcher();
        await using var modalityScp = DimseServer.Start(new DimseServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Policy = new DimseAssociationPolicy
            {
                CalledAeTitles = ["MODALITY"],
                AbstractSyntaxes = new Dictionary<string, IReadOnlyList<string>> { [DicomUid.StorageCommitmentPushModel] = DimseTransferSyntaxes.Uncompressed },
            },
            ServiceFactory = _ => catcher,
        });
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort, o =>
            o.Destinations = [new DimseDestination { AeTitle = "MODALITY", Host = "127.0.0.1", Port = modalityScp.LocalEndPoint.Port, MoveDestination = false }]);
        await StoreAsync(gateway, studies);

        await using (var association = await DimseClient.ConnectAsync("127.0.0.1", gateway.Port, "MODALITY", "PACS",
            [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel, DimseTransferSyntaxes.Uncompressed)]))
        {
            var response = await association.NActionAsync(Request("1.2.826.0.1.3680043.10.1040.41.2", studies));
            Assert.Equal(DimseStatus.Success.Code, response.Status.Code);
            await association.ReleaseAsync();
        }

        var report = await catcher.Report.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, report.EventTypeId);
        Assert.Equal(studies.Instances.Count, report.Dataset!.GetSequence(DicomTag.ReferencedSOPSequence).Count);
        Assert.Empty(report.Dataset.GetSequence(DicomTag.FailedSOPSequence));
        Assert.Equal("PACS", report.Dataset.GetString(DicomTag.RetrieveAETitle));
        Assert.Equal("PACS", catcher.CallingAeTitle);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_commitment_request_without_referenced_instances_is_refused_with_invalid_argument()
    {
        using var folder = new TempFolder();
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), FreePort.Next());
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", gateway.Port, "MODALITY", "PACS",
            [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel, DimseTransferSyntaxes.Uncompressed)]);
        var request = new NActionRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1,
            new DicomDataset().Set(DicomTag.TransactionUID, "1.2.3.4"));
        var response = await association.NActionAsync(request);
        Assert.Equal(DimseStatus.InvalidArgumentValue.Code, response.Status.Code);
        Assert.Equal(0, gateway.Commitment.PendingCount);
        await association.ReleaseAsync();
    }

    private static GeneratedStudies Studies(string seed) => GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1",
        "--instances-per-series", "5", "--rows", "8", "--cols", "8", "--seed", seed);

    private static async Task StoreAsync(GatewayUnderTest gateway, GeneratedStudies studies)
    {
        var result = await Dcmtk.RunAsync("storescu", ["-R", "+sd", "+r", "+sp", "*.dcm", "-aet", "MODALITY", "-aec", "PACS", "127.0.0.1",
            gateway.Port.ToString(CultureInfo.InvariantCulture), studies.Folder], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(studies.Instances.Count, gateway.Spool.Archive.Count + (int)gateway.Forwarder.DeliveredCount);
    }

    private static NActionRequest Request(string transaction, GeneratedStudies studies, params string[] extra)
    {
        var sopClass = DicomFile.Open(studies.FullPath(studies.Instances[0])).SopClassUid!;
        var items = studies.Instances.Select(i => i.SopInstanceUid).Concat(extra)
            .Select(uid => new DicomDataset().Set(DicomTag.ReferencedSOPClassUID, sopClass).Set(DicomTag.ReferencedSOPInstanceUID, uid)).ToList();
        var data = new DicomDataset().Set(DicomTag.TransactionUID, transaction);
        data.SetSequence(DicomTag.ReferencedSOPSequence, [.. items]);
        return new NActionRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1, data);
    }

    /// <summary>The requestor's side: takes the first N-EVENT-REPORT and answers success.</summary>
    private sealed class ReportCatcher : DimseService
    {
        public TaskCompletionSource<NEventReportRequest> Report { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? CallingAeTitle { get; private set; }

        public override ValueTask<DimseNResult> OnEventReportAsync(DimseRequestContext context, NEventReportRequest request, CancellationToken cancellationToken)
        {
            CallingAeTitle = context.Association.CallingAeTitle;
            Report.TrySetResult(request);
            return ValueTask.FromResult(DimseNResult.Success());
        }
    }
}
