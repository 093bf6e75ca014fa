using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-FIND-RQ (PS3.7 9.3.2.1): the identifier is <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class CFindRequest : DimseRequest
{
    public CFindRequest(string sopClassUid, DicomDataset identifier, DimsePriority priority = DimsePriority.Medium)
        : base(DimseCommandField.CFindRequest, hasDataset: true)
    {
        AffectedSopClassUid = sopClassUid;
        Priority = priority;
        Dataset = identifier;
    }

    internal CFindRequest(DicomDataset command)
        : base(command)
    {
    }

    public DimsePriority Priority
    {
        get => (DimsePriority)(GetUInt16(DicomTag.Priority) ?? 0);
        set => SetUInt16(DicomTag.Priority, (ushort)value);
    }
}

/// <summary>C-FIND-RSP (PS3.7 9.3.2.2): pending responses carry one match as <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class CFindResponse : DimseResponse
{
    public CFindResponse(CFindRequest request, DimseStatus status, DicomDataset? identifier = null)
        : base(DimseCommandField.CFindResponse, request, status)
    {
        Dataset = identifier;
    }

    internal CFindResponse(DicomDataset command)
        : base(command)
    {
    }
}
