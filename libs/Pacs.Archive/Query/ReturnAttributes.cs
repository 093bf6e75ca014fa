using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>The attributes a QIDO-RS response carries by default at each level (PS3.18 Tables 10.6.3-3, -4, -5).</summary>
internal static class ReturnAttributes
{
    public static IReadOnlyList<DicomTag> Study { get; } =
    [
        DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.InstanceAvailability, DicomTag.ModalitiesInStudy,
        DicomTag.ReferringPhysicianName, DicomTag.TimezoneOffsetFromUTC, DicomTag.PatientName, DicomTag.PatientID,
        DicomTag.PatientBirthDate, DicomTag.PatientSex, DicomTag.StudyInstanceUID, DicomTag.StudyID,
        DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances,
        // Not required, but every study list shows it.
        DicomTag.StudyDescription,
    ];

    public static IReadOnlyList<DicomTag> Series { get; } =
    [
        DicomTag.Modality, DicomTag.TimezoneOffsetFromUTC, DicomTag.SeriesDescription, DicomTag.SeriesInstanceUID, DicomTag.SeriesNumber,
        DicomTag.NumberOfSeriesRelatedInstances, DicomTag.PerformedProcedureStepStartDate, DicomTag.PerformedProcedureStepStartTime,
        DicomTag.RequestAttributesSequence,
    ];

    public static IReadOnlyList<DicomTag> Instance { get; } =
    [
        DicomTag.SOPClassUID, DicomTag.SOPInstanceUID, DicomTag.InstanceAvailability, DicomTag.TimezoneOffsetFromUTC,
        DicomTag.InstanceNumber, DicomTag.Rows, DicomTag.Columns, DicomTag.BitsAllocated, DicomTag.NumberOfFrames,
    ];

    /// <summary>Attributes computed from the index rather than stored.</summary>
    public static IReadOnlySet<DicomTag> Computed { get; } = new HashSet<DicomTag>
    {
        DicomTag.ModalitiesInStudy, DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances,
        DicomTag.NumberOfSeriesRelatedInstances, DicomTag.InstanceAvailability, DicomTag.AvailableTransferSyntaxUID,
    };
}
