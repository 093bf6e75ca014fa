namespace Pacs.Archive;

/// <summary>
/// One item of a series' Request Attributes Sequence (0040,0275): the order the series was acquired for. Kept as rows
/// so that QIDO-RS can match RequestAttributesSequence.ScheduledProcedureStepID and .RequestedProcedureID item by item
/// (PS3.18 Table 10.6.1-5, PS3.4 C.2.2.2.6 sequence matching).
/// </summary>
public sealed class RequestAttributesRow
{
    public long Id { get; set; }

    public long SeriesRowId { get; set; }

    public SeriesRow Series { get; set; } = null!;

    /// <summary>Scheduled Procedure Step ID (0040,0009).</summary>
    public string? ScheduledProcedureStepId { get; set; }

    /// <summary>Requested Procedure ID (0040,1001).</summary>
    public string? RequestedProcedureId { get; set; }
}
