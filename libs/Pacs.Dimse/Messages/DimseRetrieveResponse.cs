using Pacs.Dicom;

namespace Pacs.Dimse;

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
