using Pacs.Dicom;

namespace Pacs.Dimse.Tests.Messages;

public sealed class CommandSetTests
{
    private static DimseMessage RoundTrip(DimseMessage message)
    {
        using var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, message.Command, DicomTransferSyntax.ImplicitVRLittleEndian);
        var bytes = stream.ToArray();

        // PS3.7 6.3.1: Implicit VR LE, group 0000 only, and CommandGroupLength counts every byte after itself.
        Assert.Equal(0u, BitConverter.ToUInt32(bytes, 0));
        Assert.Equal(4u, BitConverter.ToUInt32(bytes, 4));
        Assert.Equal((uint)(bytes.Length - 12), BitConverter.ToUInt32(bytes, 8));
        stream.Position = 0;
        var parsed = DimseMessage.FromCommand(DicomFile.ReadDataset(stream, DicomTransferSyntax.ImplicitVRLittleEndian));
        Assert.Equal(message.GetType(), parsed.GetType());
        Assert.All(parsed.Command, e => Assert.Equal(0, e.Tag.Group));
        return parsed;
    }

    [Fact]
    public void C_echo_request_and_response_carry_their_fields()
    {
        var request = new CEchoRequest { MessageId = 7 };
        var parsed = (CEchoRequest)RoundTrip(request);
        Assert.Equal(DimseCommandField.CEchoRequest, parsed.CommandField);
        Assert.Equal(7, parsed.MessageId);
        Assert.Equal(DicomUid.Verification, parsed.AffectedSopClassUid);
        Assert.False(parsed.HasDataset);
        Assert.Equal((ushort)0x0101, parsed.Command.GetUInt16(DicomTag.CommandDataSetType));

        var response = (CEchoResponse)RoundTrip(new CEchoResponse(request, DimseStatus.Success));
        Assert.Equal(7, response.MessageIdBeingRespondedTo);
        Assert.Equal(DimseStatus.Success, response.Status);
        Assert.False(response.IsRequest);
    }

    [Fact]
    public void C_store_request_carries_instance_priority_and_move_originator()
    {
        var request = new CStoreRequest(DicomUid.CTImageStorage, "1.2.3.4", DimsePriority.High) { MessageId = 3, MoveOriginatorAeTitle = "MOVER", MoveOriginatorMessageId = 11 };
        var parsed = (CStoreRequest)RoundTrip(request);
        Assert.Equal("1.2.3.4", parsed.AffectedSopInstanceUid);
        Assert.Equal(DimsePriority.High, parsed.Priority);
        Assert.Equal("MOVER", parsed.MoveOriginatorAeTitle);
        Assert.Equal((ushort)11, parsed.MoveOriginatorMessageId);
        Assert.True(parsed.HasDataset);

        var response = (CStoreResponse)RoundTrip(new CStoreResponse(request, DimseStatus.OutOfResources) { ErrorComment = "Disk full" });
        Assert.Equal("1.2.3.4", response.AffectedSopInstanceUid);
        Assert.Equal(DicomUid.CTImageStorage, response.AffectedSopClassUid);
        Assert.Equal("Disk full", response.ErrorComment);
        Assert.Equal(DimseStatusCategory.Failure, response.Status.Category);
    }

    [Fact]
    public void C_find_move_get_and_cancel_carry_their_fields()
    {
        var identifier = new DicomDataset().Set(DicomTag.PatientID, "X");
        var find = (CFindRequest)RoundTrip(new CFindRequest(DicomUid.StudyRootQueryRetrieveInformationModelFind, identifier, DimsePriority.Low) { MessageId = 1 });
        Assert.Equal(DimsePriority.Low, find.Priority);
        Assert.True(find.HasDataset);

        var move = (CMoveRequest)RoundTrip(new CMoveRequest(DicomUid.StudyRootQueryRetrieveInformationModelMove, "DEST_AE", identifier) { MessageId = 2 });
        Assert.Equal("DEST_AE", move.MoveDestination);

        var moveResponse = new CMoveResponse(move, DimseStatus.Pending);
        moveResponse.SetCounts(new DimseSubOperations(5, 3, 1, 2), includeRemaining: true);
        var parsedMove = (CMoveResponse)RoundTrip(moveResponse);
        Assert.Equal(new DimseSubOperations(5, 3, 1, 2), parsedMove.SubOperations);

        var get = (CGetRequest)RoundTrip(new CGetRequest(DicomUid.PatientRootQueryRetrieveInformationModelGet, identifier) { MessageId = 4 });
        var getResponse = new CGetResponse(get, DimseStatus.Success);
        getResponse.SetCounts(new DimseSubOperations(0, 9, 0, 0), includeRemaining: false);
        var parsedGet = (CGetResponse)RoundTrip(getResponse);
        Assert.Null(parsedGet.Remaining);
        Assert.Equal((ushort)9, parsedGet.Completed);

        var cancel = (CCancelRequest)RoundTrip(new CCancelRequest(4));
        Assert.Equal(4, cancel.MessageIdBeingRespondedTo);
        Assert.False(cancel.HasDataset);
    }

    [Fact]
    public void N_service_requests_and_responses_carry_their_fields()
    {
        var report = (NEventReportRequest)RoundTrip(new NEventReportRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1, new DicomDataset()) { MessageId = 9 });
        Assert.Equal((ushort)1, report.EventTypeId);
        Assert.Equal(DicomUid.StorageCommitmentPushModelInstance, report.SopInstanceUid);
        Assert.True(report.HasDataset);
        Assert.Equal((ushort)1, ((NEventReportResponse)RoundTrip(new NEventReportResponse(report, DimseStatus.Success))).EventTypeId);

        var get = (NGetRequest)RoundTrip(new NGetRequest("1.2.3", "4.5.6", DicomTag.PatientName, DicomTag.PatientID));
        Assert.Equal([DicomTag.PatientName, DicomTag.PatientID], get.AttributeIdentifiers);
        Assert.Equal("1.2.3", get.RequestedSopClassUid);
        var getResponse = (NGetResponse)RoundTrip(new NGetResponse(get, DimseStatus.NoSuchSopInstance));
        Assert.Equal("4.5.6", getResponse.AffectedSopInstanceUid);

        var set = (NSetRequest)RoundTrip(new NSetRequest("1.2.3", "4.5.6", new DicomDataset()));
        Assert.True(set.HasDataset);
        var action = (NActionRequest)RoundTrip(new NActionRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1));
        Assert.Equal(1, action.ActionTypeId);
        Assert.False(action.HasDataset);
        Assert.Equal((ushort)1, ((NActionResponse)RoundTrip(new NActionResponse(action, DimseStatus.Success))).ActionTypeId);
        var create = (NCreateRequest)RoundTrip(new NCreateRequest("1.2.3", null, new DicomDataset()));
        Assert.Null(create.AffectedSopInstanceUid);
        var delete = (NDeleteRequest)RoundTrip(new NDeleteRequest("1.2.3", "4.5.6"));
        Assert.Equal("4.5.6", delete.RequestedSopInstanceUid);
        var failed = (NDeleteResponse)RoundTrip(new NDeleteResponse(delete, DimseStatus.ProcessingFailure) { ErrorId = 42, OffendingElements = [DicomTag.PatientID] });
        Assert.Equal((ushort)42, failed.ErrorId);
        Assert.Equal([DicomTag.PatientID], failed.OffendingElements);
    }

    [Fact]
    public void An_unknown_command_field_is_refused_with_its_value()
    {
        var command = new DicomDataset().SetValues(DicomTag.CommandField, DicomVR.US, (ushort)0x0ABC);
        var error = Assert.Throws<DimseException>(() => DimseMessage.FromCommand(command));
        Assert.Contains("0x0ABC", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0000, DimseStatusCategory.Success)]
    [InlineData(0xFF00, DimseStatusCategory.Pending)]
    [InlineData(0xFF01, DimseStatusCategory.Pending)]
    [InlineData(0xFE00, DimseStatusCategory.Cancel)]
    [InlineData(0x0001, DimseStatusCategory.Warning)]
    [InlineData(0x0107, DimseStatusCategory.Warning)]
    [InlineData(0x0116, DimseStatusCategory.Warning)]
    [InlineData(0xB000, DimseStatusCategory.Warning)]
    [InlineData(0xB007, DimseStatusCategory.Warning)]
    [InlineData(0xA700, DimseStatusCategory.Failure)]
    [InlineData(0xA801, DimseStatusCategory.Failure)]
    [InlineData(0xA900, DimseStatusCategory.Failure)]
    [InlineData(0xC123, DimseStatusCategory.Failure)]
    [InlineData(0x0110, DimseStatusCategory.Failure)]
    [InlineData(0x0122, DimseStatusCategory.Failure)]
    [InlineData(0x0211, DimseStatusCategory.Failure)]
    public void Status_codes_fall_in_the_classes_of_PS3_7_annex_C(int code, DimseStatusCategory category)
    {
        Assert.Equal(category, new DimseStatus((ushort)code).Category);
    }
}
