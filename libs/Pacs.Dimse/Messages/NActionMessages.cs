using Pacs.Dicom;

namespace Pacs.Dimse;

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
