using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>Base of the N-service requests that address an instance by Requested SOP Class/Instance UID.</summary>
public abstract class DimseNRequest : DimseRequest
{
    protected DimseNRequest(DimseCommandField field, bool hasDataset)
        : base(field, hasDataset)
    {
    }

    protected DimseNRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Requested SOP Class UID (0000,0003).</summary>
    public string? RequestedSopClassUid
    {
        get => GetString(DicomTag.RequestedSOPClassUID);
        set => SetString(DicomTag.RequestedSOPClassUID, DicomVR.UI, value);
    }

    /// <summary>Requested SOP Instance UID (0000,1001).</summary>
    public string? RequestedSopInstanceUid
    {
        get => GetString(DicomTag.RequestedSOPInstanceUID);
        set => SetString(DicomTag.RequestedSOPInstanceUID, DicomVR.UI, value);
    }

    /// <summary>The SOP class this request is about: requested (N-GET/SET/ACTION/DELETE) or affected (N-EVENT-REPORT/N-CREATE).</summary>
    public string? SopClassUid => RequestedSopClassUid ?? AffectedSopClassUid;

    /// <summary>The SOP instance this request is about.</summary>
    public string? SopInstanceUid => RequestedSopInstanceUid ?? AffectedSopInstanceUid;

    protected override string Describe() => $"message {MessageId}, {SopClassUid} {SopInstanceUid}";
}

/// <summary>Base of N-service responses: the affected SOP class and instance are echoed.</summary>
public abstract class DimseNResponse : DimseResponse
{
    protected DimseNResponse(DimseCommandField field, DimseNRequest request, DimseStatus status, DicomDataset? dataset)
        : base(field, request, status)
    {
        AffectedSopClassUid = request.SopClassUid;
        AffectedSopInstanceUid = request.SopInstanceUid;
        Dataset = dataset;
    }

    protected DimseNResponse(DicomDataset command)
        : base(command)
    {
    }
}

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

/// <summary>N-GET-RQ (PS3.7 10.3.2.1).</summary>
public sealed class NGetRequest : DimseNRequest
{
    public NGetRequest(string sopClassUid, string sopInstanceUid, params DicomTag[] attributeIdentifiers)
        : base(DimseCommandField.NGetRequest, hasDataset: false)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
        if (attributeIdentifiers.Length > 0)
        {
            Command.SetTags(DicomTag.AttributeIdentifierList, attributeIdentifiers);
        }
    }

    internal NGetRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Attribute Identifier List (0000,1005); empty means all attributes.</summary>
    public IReadOnlyList<DicomTag> AttributeIdentifiers
    {
        get
        {
            var count = (int)(Command.Get(DicomTag.AttributeIdentifierList)?.Length ?? 0) / 4;
            return [.. Enumerable.Range(0, count).Select(i => Command.GetTag(DicomTag.AttributeIdentifierList, i) ?? default)];
        }
    }
}

/// <summary>N-GET-RSP (PS3.7 10.3.2.2): the attribute list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NGetResponse : DimseNResponse
{
    public NGetResponse(NGetRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NGetResponse, request, status, attributes)
    {
    }

    internal NGetResponse(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-SET-RQ (PS3.7 10.3.3.1): the modification list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NSetRequest : DimseNRequest
{
    public NSetRequest(string sopClassUid, string sopInstanceUid, DicomDataset modifications)
        : base(DimseCommandField.NSetRequest, hasDataset: true)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
        Dataset = modifications;
    }

    internal NSetRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-SET-RSP (PS3.7 10.3.3.2).</summary>
public sealed class NSetResponse : DimseNResponse
{
    public NSetResponse(NSetRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NSetResponse, request, status, attributes)
    {
    }

    internal NSetResponse(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-ACTION-RQ (PS3.7 10.3.4.1): action information in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NActionRequest : DimseNRequest
{
    public NActionRequest(string sopClassUid, string sopInstanceUid, ushort actionTypeId, DicomDataset? actionInformation = null)
        : base(DimseCommandField.NActionRequest, hasDataset: false)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
        ActionTypeId = actionTypeId;
        Dataset = actionInformation;
    }

    internal NActionRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Action Type ID (0000,1008).</summary>
    public ushort ActionTypeId
    {
        get => GetUInt16(DicomTag.ActionTypeID) ?? 0;
        set => SetUInt16(DicomTag.ActionTypeID, value);
    }
}

/// <summary>N-ACTION-RSP (PS3.7 10.3.4.2).</summary>
public sealed class NActionResponse : DimseNResponse
{
    public NActionResponse(NActionRequest request, DimseStatus status, DicomDataset? actionReply = null)
        : base(DimseCommandField.NActionResponse, request, status, actionReply)
    {
        ActionTypeId = request.ActionTypeId;
    }

    internal NActionResponse(DicomDataset command)
        : base(command)
    {
    }

    public ushort? ActionTypeId
    {
        get => GetUInt16(DicomTag.ActionTypeID);
        set => SetUInt16(DicomTag.ActionTypeID, value);
    }
}

/// <summary>N-CREATE-RQ (PS3.7 10.3.5.1): the attribute list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NCreateRequest : DimseNRequest
{
    public NCreateRequest(string sopClassUid, string? sopInstanceUid, DicomDataset? attributes)
        : base(DimseCommandField.NCreateRequest, hasDataset: false)
    {
        AffectedSopClassUid = sopClassUid;
        AffectedSopInstanceUid = sopInstanceUid;
        Dataset = attributes;
    }

    internal NCreateRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-CREATE-RSP (PS3.7 10.3.5.2): carries the instance UID the performer assigned when the request had none.</summary>
public sealed class NCreateResponse : DimseNResponse
{
    public NCreateResponse(NCreateRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NCreateResponse, request, status, attributes)
    {
    }

    internal NCreateResponse(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-DELETE-RQ (PS3.7 10.3.6.1).</summary>
public sealed class NDeleteRequest : DimseNRequest
{
    public NDeleteRequest(string sopClassUid, string sopInstanceUid)
        : base(DimseCommandField.NDeleteRequest, hasDataset: false)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
    }

    internal NDeleteRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-DELETE-RSP (PS3.7 10.3.6.2).</summary>
public sealed class NDeleteResponse : DimseNResponse
{
    public NDeleteResponse(NDeleteRequest request, DimseStatus status)
        : base(DimseCommandField.NDeleteResponse, request, status, null)
    {
    }

    internal NDeleteResponse(DicomDataset command)
        : base(command)
    {
    }
}
