namespace Pacs.Archive;

/// <summary>One study, merged by Study Instance UID from every instance that names it.</summary>
public sealed class StudyRow
{
    public long Id { get; set; }

    public required string StudyInstanceUid { get; set; }

    public long PatientRowId { get; set; }

    public PatientRow Patient { get; set; } = null!;

    /// <summary>YYYYMMDD, or null.</summary>
    public string? StudyDate { get; set; }

    /// <summary>HHMMSS.FFFFFF (padded with zeros), or null.</summary>
    public string? StudyTime { get; set; }

    /// <summary>Study Date and Time as one key, YYYYMMDDHHMMSS.FFFFFF (time 000000.000000 when absent), for combined range matching.</summary>
    public string? StudyDateTime { get; set; }

    public string? AccessionNumber { get; set; }

    public string? ReferringPhysicianName { get; set; }

    public string? ReferringPhysicianNameFuzzy { get; set; }

    public string? StudyId { get; set; }

    public string? StudyDescription { get; set; }

    /// <summary>Study-level attributes as returned by QIDO-RS, encoded by <see cref="LevelAttributes"/>.</summary>
    public required byte[] Attributes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<SeriesRow> Series { get; set; } = [];
}
