namespace Pacs.Archive;

/// <summary>One series, merged by Series Instance UID.</summary>
public sealed class SeriesRow
{
    public long Id { get; set; }

    public required string SeriesInstanceUid { get; set; }

    public long StudyRowId { get; set; }

    public StudyRow Study { get; set; } = null!;

    public string? Modality { get; set; }

    public int? SeriesNumber { get; set; }

    public string? SeriesDescription { get; set; }

    public string? BodyPartExamined { get; set; }

    /// <summary>YYYYMMDD, or null.</summary>
    public string? PerformedProcedureStepStartDate { get; set; }

    /// <summary>HHMMSS.FFFFFF, or null.</summary>
    public string? PerformedProcedureStepStartTime { get; set; }

    /// <summary>Series-level attributes as returned by QIDO-RS, encoded by <see cref="LevelAttributes"/>.</summary>
    public required byte[] Attributes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The version ("{last watermark}-{count}") of the series' current stored metadata document, or null when none was
    /// recorded: lets a rebuild find the document to reuse and the one to remove by name, without listing the store.
    /// </summary>
    public string? MetadataVersion { get; set; }

    public List<InstanceRow> Instances { get; set; } = [];

    /// <summary>The items of the Request Attributes Sequence, for matching.</summary>
    public List<RequestAttributesRow> RequestAttributes { get; set; } = [];
}
