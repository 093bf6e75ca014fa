using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>Everything the index keeps about one arriving instance, taken from its header before anything is written.</summary>
internal sealed class InstanceAttributes
{
    public string? SopClassUid { get; private init; }
    public string? SopInstanceUid { get; private init; }
    public string? StudyInstanceUid { get; private init; }
    public string? SeriesInstanceUid { get; private init; }
    public string TransferSyntaxUid { get; private init; } = "";

    public string PatientKey { get; private init; } = "";
    public string? PatientId { get; private init; }
    public string? IssuerOfPatientId { get; private init; }
    public string? PatientName { get; private init; }
    public string? PatientBirthDate { get; private init; }
    public string? PatientSex { get; private init; }
    public byte[] PatientAttributes { get; private init; } = [];

    public string? StudyDate { get; private init; }
    public string? StudyTime { get; private init; }
    public string? StudyDateTime { get; private init; }
    public string? AccessionNumber { get; private init; }
    public string? ReferringPhysicianName { get; private init; }
    public string? StudyId { get; private init; }
    public string? StudyDescription { get; private init; }
    public byte[] StudyAttributes { get; private init; } = [];

    public string? Modality { get; private init; }
    public int? SeriesNumber { get; private init; }
    public string? SeriesDescription { get; private init; }
    public string? BodyPartExamined { get; private init; }
    public string? PerformedProcedureStepStartDate { get; private init; }
    public string? PerformedProcedureStepStartTime { get; private init; }
    public byte[] SeriesAttributes { get; private init; } = [];
    public IReadOnlyList<(string? ScheduledProcedureStepId, string? RequestedProcedureId)> RequestItems { get; private init; } = [];

    public int? InstanceNumber { get; private init; }
    public string? AcquisitionDateTime { get; private init; }
    public int? Rows { get; private init; }
    public int? Columns { get; private init; }
    public int? BitsAllocated { get; private init; }
    public int? NumberOfFrames { get; private init; }
    public byte[] InstanceLevelAttributes { get; private init; } = [];

    /// <summary>
    /// A disagreement between the File Meta Information and the data set that does not stop the object from being stored
    /// (the data set's SOP Instance UID is the one indexed; the object is kept as sent). Null when they agree.
    /// </summary>
    public static IngestWarning? Inconsistency(DicomFile file)
    {
        string? metaInstance = Text(file.FileMetaInformation, DicomTag.MediaStorageSOPInstanceUID);
        string? instance = Text(file.Dataset, DicomTag.SOPInstanceUID);
        return metaInstance is not null && instance is not null && metaInstance != instance
            ? new IngestWarning(StoreWarningReasons.DataSetDoesNotMatchSopClass,
                $"Media Storage SOP Instance UID (0002,0003) '{metaInstance}' differs from SOP Instance UID (0008,0018) '{instance}'; the object is indexed under the latter.")
            : null;
    }

    /// <summary>The UIDs only, for a refusal that happens before the rest is read.</summary>
    public static InstanceAttributes UidsOf(DicomFile file) => new()
    {
        SopClassUid = Text(file.Dataset, DicomTag.SOPClassUID),
        SopInstanceUid = Text(file.Dataset, DicomTag.SOPInstanceUID),
        StudyInstanceUid = Text(file.Dataset, DicomTag.StudyInstanceUID),
        SeriesInstanceUid = Text(file.Dataset, DicomTag.SeriesInstanceUID),
    };

    /// <summary>
    /// Checks what PS3.18 10.5 and the index need (PS3.10 form, the four UIDs, agreement with the File Meta Information)
    /// and reads the indexed attributes. Returns the refusal when the object cannot be accepted.
    /// </summary>
    public static InstanceAttributes Read(DicomFile file, out IngestResult? refusal)
    {
        var uids = UidsOf(file);
        refusal = Validate(file, uids);
        if (refusal is not null)
            return uids;

        var ds = file.Dataset;
        string? patientId = Text(ds, DicomTag.PatientID);
        string? issuer = Text(ds, DicomTag.IssuerOfPatientID);
        string? studyDate = Text(ds, DicomTag.StudyDate);
        string? studyTime = Text(ds, DicomTag.StudyTime);
        return new InstanceAttributes
        {
            SopClassUid = uids.SopClassUid,
            SopInstanceUid = uids.SopInstanceUid,
            StudyInstanceUid = uids.StudyInstanceUid,
            SeriesInstanceUid = uids.SeriesInstanceUid,
            TransferSyntaxUid = file.TransferSyntax.Uid,

            // PS3.3 C.7.1.1: Patient ID is type 2 — an empty one identifies nobody, so such a study gets its own patient.
            // '\' cannot occur in LO values (PS3.5 6.2), so it separates issuer and ID unambiguously.
            PatientKey = patientId is null ? "study:" + uids.StudyInstanceUid : $"id:{issuer}\\{patientId}",
            PatientId = patientId,
            IssuerOfPatientId = issuer,
            PatientName = Text(ds, DicomTag.PatientName),
            PatientBirthDate = DicomKeys.Date(Text(ds, DicomTag.PatientBirthDate)),
            PatientSex = Text(ds, DicomTag.PatientSex),
            PatientAttributes = LevelAttributes.Encode(ds, LevelAttributes.Patient),

            StudyDate = DicomKeys.Date(studyDate),
            StudyTime = DicomKeys.Time(studyTime),
            StudyDateTime = DicomKeys.CombinedDateTime(studyDate, studyTime),
            AccessionNumber = Text(ds, DicomTag.AccessionNumber),
            ReferringPhysicianName = Text(ds, DicomTag.ReferringPhysicianName),
            StudyId = Text(ds, DicomTag.StudyID),
            StudyDescription = Text(ds, DicomTag.StudyDescription),
            StudyAttributes = LevelAttributes.Encode(ds, LevelAttributes.Study),

            Modality = Text(ds, DicomTag.Modality),
            SeriesNumber = DicomKeys.SafeInt(ds, DicomTag.SeriesNumber),
            SeriesDescription = Text(ds, DicomTag.SeriesDescription),
            BodyPartExamined = Text(ds, DicomTag.BodyPartExamined),
            PerformedProcedureStepStartDate = DicomKeys.Date(Text(ds, DicomTag.PerformedProcedureStepStartDate)),
            PerformedProcedureStepStartTime = DicomKeys.Time(Text(ds, DicomTag.PerformedProcedureStepStartTime)),
            SeriesAttributes = LevelAttributes.Encode(ds, LevelAttributes.Series),
            RequestItems = ds.GetSequence(DicomTag.RequestAttributesSequence)
                .Select(item => (Text(item, DicomTag.ScheduledProcedureStepID), Text(item, DicomTag.RequestedProcedureID)))
                .Where(item => item.Item1 is not null || item.Item2 is not null)
                .ToArray(),

            InstanceNumber = DicomKeys.SafeInt(ds, DicomTag.InstanceNumber),
            AcquisitionDateTime = DicomKeys.AcquisitionKey(ds),
            Rows = DicomKeys.SafeInt(ds, DicomTag.Rows),
            Columns = DicomKeys.SafeInt(ds, DicomTag.Columns),
            BitsAllocated = DicomKeys.SafeInt(ds, DicomTag.BitsAllocated),
            NumberOfFrames = DicomKeys.SafeInt(ds, DicomTag.NumberOfFrames),
            InstanceLevelAttributes = LevelAttributes.Encode(ds, LevelAttributes.Instance),
        };
    }

    private static IngestResult? Validate(DicomFile file, InstanceAttributes uids)
    {
        if (file.FileMetaInformation.Count == 0)
        {
            return IngestResult.Refuse(StoreFailureReasons.CannotUnderstand,
                "The part is not a DICOM PS3.10 object: it has no File Meta Information (group 0002).", uids);
        }
        if (Text(file.FileMetaInformation, DicomTag.TransferSyntaxUID) is null)
        {
            return IngestResult.Refuse(StoreFailureReasons.CannotUnderstand,
                "The File Meta Information has no Transfer Syntax UID (0002,0010).", uids);
        }
        foreach (var (tag, name, value) in new[]
                 {
                     (DicomTag.SOPClassUID, "SOP Class UID (0008,0016)", Text(file.Dataset, DicomTag.SOPClassUID)),
                     (DicomTag.SOPInstanceUID, "SOP Instance UID (0008,0018)", Text(file.Dataset, DicomTag.SOPInstanceUID)),
                     (DicomTag.StudyInstanceUID, "Study Instance UID (0020,000D)", uids.StudyInstanceUid),
                     (DicomTag.SeriesInstanceUID, "Series Instance UID (0020,000E)", uids.SeriesInstanceUid),
                 })
        {
            if (value is null)
                return IngestResult.Refuse(StoreFailureReasons.DataSetDoesNotMatchSopClass, $"{name} is missing or empty.", uids);
            if (!IsValidUid(value))
            {
                return IngestResult.Refuse(StoreFailureReasons.DataSetDoesNotMatchSopClass,
                    $"{name} '{value}' is not a valid UID (PS3.5 9.1: digits in dot-separated components, at most 64 characters).", uids);
            }
        }
        string? metaClass = Text(file.FileMetaInformation, DicomTag.MediaStorageSOPClassUID);
        if (metaClass is not null && metaClass != uids.SopClassUid)
        {
            return IngestResult.Refuse(StoreFailureReasons.DataSetDoesNotMatchSopClass,
                $"Media Storage SOP Class UID (0002,0002) '{metaClass}' differs from SOP Class UID (0008,0016) '{uids.SopClassUid}'.", uids);
        }
        return null;
    }

    /// <summary>PS3.5 9.1: components of digits separated by dots, at most 64 characters.</summary>
    internal static bool IsValidUid(string value)
    {
        if (value.Length is 0 or > 64 || value[0] == '.' || value[^1] == '.')
            return false;
        char previous = '.';
        foreach (char c in value)
        {
            if (c == '.')
            {
                if (previous == '.')
                    return false;
            }
            else if (c is < '0' or > '9')
            {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static string? Text(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            string? value = dataset.GetString(tag);
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (DicomException)
        {
            return null;
        }
    }
}
