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
