using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-GET-RQ (PS3.7 9.3.3.1).</summary>
public sealed class CGetRequest : DimseRequest
{
    public CGetRequest(string sopClassUid, DicomDataset identifier, DimsePriority priority = DimsePriority.Medium)
        : base(DimseCommandField.CGetRequest, hasDataset: true)
    {
        AffectedSopClassUid = sopClassUid;
        Priority = priority;
        Dataset = identifier;
    }

    internal CGetRequest(DicomDataset command)
        : base(command)
    {
    }

    public DimsePriority Priority
    {
        get => (DimsePriority)(GetUInt16(DicomTag.Priority) ?? 0);
        set => SetUInt16(DicomTag.Priority, (ushort)value);
    }
}

/// <summary>C-GET-RSP (PS3.7 9.3.3.2).</summary>
public sealed class CGetResponse : DimseRetrieveResponse
{
    public CGetResponse(CGetRequest request, DimseStatus status)
        : base(DimseCommandField.CGetResponse, request, status)
    {
    }

    internal CGetResponse(DicomDataset command)
        : base(command)
    {
    }
}
