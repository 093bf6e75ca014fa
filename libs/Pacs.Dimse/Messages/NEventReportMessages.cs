using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>N-EVENT-REPORT-RQ (PS3.7 10.3.1.1): event information in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NEventReportRequest : DimseNRequest
{
    public NEventReportRequest(string sopClassUid, string sopInstanceUid, ushort eventTypeId, DicomDataset? eventInformation = null)
        : base(DimseCommandField.NEventReportRequest, hasDataset: false)
    {
        AffectedSopClassUid = sopClassUid;
        AffectedSopInstanceUid = sopInstanceUid;
        EventTypeId = eventTypeId;
        Dataset = eventInformation;
    }

    internal NEventReportRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Event Type ID (0000,1002).</summary>
    public ushort EventTypeId
    {
        get => GetUInt16(DicomTag.EventTypeID) ?? 0;
        set => SetUInt16(DicomTag.EventTypeID, value);
    }
}

/// <summary>N-EVENT-REPORT-RSP (PS3.7 10.3.1.2).</summary>
public sealed class NEventReportResponse : DimseNResponse
{
    public NEventReportResponse(NEventReportRequest request, DimseStatus status, DicomDataset? eventReply = null)
        : base(DimseCommandField.NEventReportResponse, request, status, eventReply)
    {
        EventTypeId = request.EventTypeId;
    }

    internal NEventReportResponse(DicomDataset command)
        : base(command)
    {
    }

    public ushort? EventTypeId
    {
        get => GetUInt16(DicomTag.EventTypeID);
        set => SetUInt16(DicomTag.EventTypeID, value);
    }
}
