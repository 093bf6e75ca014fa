namespace Pacs.Archive;

/// <summary>
/// One patient as the archive identifies it: by Patient ID (0010,0020) and Issuer of Patient ID (0010,0021); a study
/// whose Patient ID is empty gets a patient of its own (two unidentified patients must not be merged).
/// </summary>
public sealed class PatientRow
{
    public long Id { get; set; }

    /// <summary>Identity used for merging: <c>id:{issuer}\{patient id}</c>, or <c>study:{Study Instance UID}</c>.</summary>
    public required string PatientKey { get; set; }

    public string? PatientId { get; set; }

    public string? IssuerOfPatientId { get; set; }

    /// <summary>Patient's Name as decoded text, all component groups (matching is on the whole value).</summary>
    public string? PatientName { get; set; }

    /// <summary><see cref="PersonNameMatching.Normalize"/> of the name, for fuzzy matching.</summary>
    public string? PatientNameFuzzy { get; set; }

    /// <summary>YYYYMMDD, or null when absent or not a date.</summary>
    public string? PatientBirthDate { get; set; }

    public string? PatientSex { get; set; }

    /// <summary>Patient-level attributes as returned by QIDO-RS, encoded by <see cref="LevelAttributes"/>.</summary>
    public required byte[] Attributes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<StudyRow> Studies { get; set; } = [];
}
