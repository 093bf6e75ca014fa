using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-STORE-RQ (PS3.7 9.3.1.1). The data set is streamed, never held here.</summary>
public sealed class CStoreRequest : DimseRequest
{
    public CStoreRequest(string sopClassUid, string sopInstanceUid, DimsePriority priority = DimsePriority.Medium)
        : base(DimseCommandField.CStoreRequest, hasDataset: true)
    {
        AffectedSopClassUid = sopClassUid;
        AffectedSopInstanceUid = sopInstanceUid;
        Priority = priority;
    }

    internal CStoreRequest(DicomDataset command)
        : base(command)
    {
    }

    public DimsePriority Priority
    {
        get => (DimsePriority)(GetUInt16(DicomTag.Priority) ?? 0);
        set => SetUInt16(DicomTag.Priority, (ushort)value);
    }

    /// <summary>Move Originator Application Entity Title (0000,1030): set when the store is a C-MOVE sub-operation.</summary>
    public string? MoveOriginatorAeTitle
    {
        get => GetString(DicomTag.MoveOriginatorApplicationEntityTitle);
        set => SetString(DicomTag.MoveOriginatorApplicationEntityTitle, DicomVR.AE, value);
    }

    /// <summary>Move Originator Message ID (0000,1031).</summary>
    public ushort? MoveOriginatorMessageId
    {
        get => GetUInt16(DicomTag.MoveOriginatorMessageID);
        set => SetUInt16(DicomTag.MoveOriginatorMessageID, value);
    }

    protected override string Describe() => $"message {MessageId}, {AffectedSopClassUid} {AffectedSopInstanceUid}";
}

/// <summary>C-STORE-RSP (PS3.7 9.3.1.2).</summary>
public sealed class CStoreResponse : DimseResponse
{
    public CStoreResponse(CStoreRequest request, DimseStatus status)
        : base(DimseCommandField.CStoreResponse, request, status)
    {
        AffectedSopInstanceUid = request.AffectedSopInstanceUid;
    }

    internal CStoreResponse(DicomDataset command)
        : base(command)
    {
    }
}
