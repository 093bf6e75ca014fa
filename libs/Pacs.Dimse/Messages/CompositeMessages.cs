using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-ECHO-RQ (PS3.7 9.3.5.1): verification.</summary>
public sealed class CEchoRequest : DimseRequest
{
    public CEchoRequest(string sopClassUid = DicomUid.Verification)
        : base(DimseCommandField.CEchoRequest, hasDataset: false)
    {
        AffectedSopClassUid = sopClassUid;
    }

    internal CEchoRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>C-ECHO-RSP (PS3.7 9.3.5.2).</summary>
public sealed class CEchoResponse : DimseResponse
{
    public CEchoResponse(CEchoRequest request, DimseStatus status)
        : base(DimseCommandField.CEchoResponse, request, status)
    {
    }

    internal CEchoResponse(DicomDataset command)
        : base(command)
    {
    }
}

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

/// <summary>Sub-operation counts of C-MOVE and C-GET responses (PS3.7 9.3.3.2, 9.3.4.2).</summary>
public abstract class DimseRetrieveResponse : DimseResponse
{
    protected DimseRetrieveResponse(DimseCommandField field, DimseRequest request, DimseStatus status)
        : base(field, request, status)
    {
    }

    protected DimseRetrieveResponse(DicomDataset command)
        : base(command)
    {
    }

    public ushort? Remaining
    {
        get => GetUInt16(DicomTag.NumberOfRemainingSuboperations);
        set => SetUInt16(DicomTag.NumberOfRemainingSuboperations, value);
    }

    public ushort? Completed
    {
        get => GetUInt16(DicomTag.NumberOfCompletedSuboperations);
        set => SetUInt16(DicomTag.NumberOfCompletedSuboperations, value);
    }

    public ushort? Failed
    {
        get => GetUInt16(DicomTag.NumberOfFailedSuboperations);
        set => SetUInt16(DicomTag.NumberOfFailedSuboperations, value);
    }

    public ushort? Warning
    {
        get => GetUInt16(DicomTag.NumberOfWarningSuboperations);
        set => SetUInt16(DicomTag.NumberOfWarningSuboperations, value);
    }

    /// <summary>The counts as a value.</summary>
    public DimseSubOperations SubOperations => new(Remaining ?? 0, Completed ?? 0, Failed ?? 0, Warning ?? 0);

    /// <summary>Failed SOP Instance UID List (0008,0058) from the identifier of a final response, when present.</summary>
    public IReadOnlyList<string> FailedSopInstanceUids => Dataset?.GetStrings(DicomTag.FailedSOPInstanceUIDList) ?? [];

    internal void SetCounts(DimseSubOperations counts, bool includeRemaining)
    {
        Remaining = includeRemaining ? (ushort)Math.Min(counts.Remaining, ushort.MaxValue) : null;
        Completed = (ushort)Math.Min(counts.Completed, ushort.MaxValue);
        Failed = (ushort)Math.Min(counts.Failed, ushort.MaxValue);
        Warning = (ushort)Math.Min(counts.Warning, ushort.MaxValue);
    }
}

/// <summary>Progress of C-MOVE or C-GET sub-operations (PS3.4 C.4.2.1.4).</summary>
public sealed record DimseSubOperations(int Remaining, int Completed, int Failed, int Warning)
{
    /// <summary>SOP Instance UIDs whose sub-operation failed (sent as Failed SOP Instance UID List in the final response).</summary>
    public IReadOnlyList<string> FailedSopInstanceUids { get; init; } = [];
}

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

/// <summary>C-CANCEL-RQ (PS3.7 9.3.2.3): asks the performer to stop the C-FIND, C-GET or C-MOVE with the given message ID.</summary>
public sealed class CCancelRequest : DimseMessage
{
    public CCancelRequest(ushort messageIdBeingCancelled)
        : base(DimseCommandField.CCancelRequest, hasDataset: false)
    {
        MessageIdBeingRespondedTo = messageIdBeingCancelled;
    }

    internal CCancelRequest(DicomDataset command)
        : base(command)
    {
    }

    public ushort MessageIdBeingRespondedTo
    {
        get => GetUInt16(DicomTag.MessageIDBeingRespondedTo) ?? 0;
        set => SetUInt16(DicomTag.MessageIDBeingRespondedTo, value);
    }

    protected override string Describe() => $"of message {MessageIdBeingRespondedTo}";
}
