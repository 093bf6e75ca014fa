using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-MOVE-RQ (PS3.7 9.3.4.1).</summary>
public sealed class CMoveRequest : DimseRequest
{
    public CMoveRequest(string sopClassUid, string moveDestination, DicomDataset identifier, DimsePriority priority = DimsePriority.Medium)
        : base(DimseCommandField.CMoveRequest, hasDataset: true)
    {
        AffectedSopClassUid = sopClassUid;
        MoveDestination = moveDestination;
        Priority = priority;
        Dataset = identifier;
    }

    internal CMoveRequest(DicomDataset command)
        : base(command)
    {
    }

    public DimsePriority Priority
    {
        get => (DimsePriority)(GetUInt16(DicomTag.Priority) ?? 0);
        set => SetUInt16(DicomTag.Priority, (ushort)value);
    }

    /// <summary>Move Destination (0000,0600): the AE title to C-STORE the matches to.</summary>
    public string MoveDestination
    {
        get => GetString(DicomTag.MoveDestination) ?? string.Empty;
        set => SetString(DicomTag.MoveDestination, DicomVR.AE, value);
    }
}

/// <summary>C-MOVE-RSP (PS3.7 9.3.4.2).</summary>
public sealed class CMoveResponse : DimseRetrieveResponse
{
    public CMoveResponse(CMoveRequest request, DimseStatus status)
        : base(DimseCommandField.CMoveResponse, request, status)
    {
    }

    internal CMoveResponse(DicomDataset command)
        : base(command)
    {
    }
}
