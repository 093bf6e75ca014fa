using Pacs.Dicom;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>Query/Retrieve Level (0008,0052) of the Patient Root and Study Root information models (PS3.4 C.6).</summary>
public enum QueryRetrieveLevel
{
    Patient,
    Study,
    Series,
    Image,
}

/// <summary>The information model a C-FIND, C-MOVE or C-GET was sent for.</summary>
public enum InformationModel
{
    PatientRoot,
    StudyRoot,
    ModalityWorklist,
}

/// <summary>
/// The Patient Root and Study Root information models (PS3.4 C.6.1, C.6.2): which level each attribute belongs to, the
/// unique key of each level, and the SOP classes. Attributes the tables do not name belong to the level queried.
/// </summary>
public static class QueryModel
{
    private static readonly Dictionary<DicomTag, QueryRetrieveLevel> Levels = BuildLevels();

    /// <summary>The SOP classes of C-FIND, C-MOVE and C-GET this gateway serves, with their model.</summary>
    public static IReadOnlyDictionary<string, (InformationModel Model, DimseOperation Operation)> SopClasses { get; } =
        new Dictionary<string, (InformationModel, DimseOperation)>
        {
            [DicomUid.PatientRootQueryRetrieveInformationModelFind] = (InformationModel.PatientRoot, DimseOperation.Find),
            [DicomUid.PatientRootQueryRetrieveInformationModelMove] = (InformationModel.PatientRoot, DimseOperation.Move),
            [DicomUid.PatientRootQueryRetrieveInformationModelGet] = (InformationModel.PatientRoot, DimseOperation.Get),
            [DicomUid.StudyRootQueryRetrieveInformationModelFind] = (InformationModel.StudyRoot, DimseOperation.Find),
            [DicomUid.StudyRootQueryRetrieveInformationModelMove] = (InformationModel.StudyRoot, DimseOperation.Move),
            [DicomUid.StudyRootQueryRetrieveInformationModelGet] = (InformationModel.StudyRoot, DimseOperation.Get),
            [DicomUid.ModalityWorklistInformationModelFind] = (InformationModel.ModalityWorklist, DimseOperation.Find),
        };

    /// <summary>The unique key of a level (PS3.4 C.6.1.1, C.6.2.1).</summary>
    public static DicomTag UniqueKey(QueryRetrieveLevel level) => level switch
    {
        QueryRetrieveLevel.Patient => DicomTag.PatientID,
        QueryRetrieveLevel.Study => DicomTag.StudyInstanceUID,
        QueryRetrieveLevel.Series => DicomTag.SeriesInstanceUID,
        _ => DicomTag.SOPInstanceUID,
    };

    /// <summary>The levels of a model, top first: Study Root has no PATIENT level (its patient attributes are study attributes).</summary>
    public static QueryRetrieveLevel TopLevel(InformationModel model) => model == InformationModel.PatientRoot ? QueryRetrieveLevel.Patient : QueryRetrieveLevel.Study;

    public static string Name(QueryRetrieveLevel level) => level switch
    {
        QueryRetrieveLevel.Patient => "PATIENT",
        QueryRetrieveLevel.Study => "STUDY",
        QueryRetrieveLevel.Series => "SERIES",
        _ => "IMAGE",
    };

    public static bool TryParseLevel(string? text, out QueryRetrieveLevel level)
    {
        switch (text?.Trim())
        {
            case "PATIENT":
                level = QueryRetrieveLevel.Patient;
                return true;
            case "STUDY":
                level = QueryRetrieveLevel.Study;
                return true;
            case "SERIES":
                level = QueryRetrieveLevel.Series;
                return true;
            case "IMAGE":
                level = QueryRetrieveLevel.Image;
                return true;
            default:
                level = default;
                return false;
        }
    }

    /// <summary>
    /// The level an attribute belongs to. In Study Root the patient attributes are study attributes (C.6.2.1), which
    /// the caller handles by never querying the PATIENT level there. Unknown attributes belong to <paramref name="queried"/>.
    /// </summary>
    public static QueryRetrieveLevel LevelOf(DicomTag tag, QueryRetrieveLevel queried) => Levels.TryGetValue(tag, out var level) ? level : queried;

    /// <summary>The archive search level that answers a Q/R level (PATIENT is answered from studies).</summary>
    public static ArchiveQueryLevel ArchiveLevel(QueryRetrieveLevel level) => level switch
    {
        QueryRetrieveLevel.Patient or QueryRetrieveLevel.Study => ArchiveQueryLevel.Study,
        QueryRetrieveLevel.Series => ArchiveQueryLevel.Series,
        _ => ArchiveQueryLevel.Instance,
    };

    /// <summary>Attributes that are not keys of any level: the gateway answers them itself.</summary>
    public static bool IsControlAttribute(DicomTag tag) =>
        tag == DicomTag.SpecificCharacterSet || tag == DicomTag.QueryRetrieveLevel || tag == DicomTag.RetrieveAETitle || tag.IsGroupLength;

    /// <summary>The DA/TM pairs that match as one date-time range when both are given (PS3.4 C.2.2.2.5.1).</summary>
    public static IReadOnlyList<(DicomTag Date, DicomTag Time)> DateTimePairs { get; } =
    [
        (DicomTag.StudyDate, DicomTag.StudyTime),
        (DicomTag.SeriesDate, DicomTag.SeriesTime),
        (DicomTag.AcquisitionDate, DicomTag.AcquisitionTime),
        (DicomTag.ContentDate, DicomTag.ContentTime),
        (DicomTag.PatientBirthDate, DicomTag.PatientBirthTime),
        (DicomTag.PerformedProcedureStepStartDate, DicomTag.PerformedProcedureStepStartTime),
        (DicomTag.ScheduledProcedureStepStartDate, DicomTag.ScheduledProcedureStepStartTime),
        (DicomTag.ScheduledProcedureStepEndDate, DicomTag.ScheduledProcedureStepEndTime),
        (DicomTag.InstanceCreationDate, DicomTag.InstanceCreationTime),
    ];

    private static Dictionary<DicomTag, QueryRetrieveLevel> BuildLevels()
    {
        var levels = new Dictionary<DicomTag, QueryRetrieveLevel>();
        void Add(QueryRetrieveLevel level, params DicomTag[] tags)
        {
            foreach (var tag in tags)
            {
                levels[tag] = level;
            }
        }

        // PS3.4 Table C.6-1 (Patient level) and the patient attributes of Table C.6-5 (Study Root, study level).
        Add(QueryRetrieveLevel.Patient,
            DicomTag.PatientName, DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.IssuerOfPatientIDQualifiersSequence,
            DicomTag.OtherPatientIDsSequence, DicomTag.OtherPatientNames, DicomTag.PatientBirthDate, DicomTag.PatientBirthTime,
            DicomTag.PatientSex, DicomTag.EthnicGroup, DicomTag.PatientComments, DicomTag.PatientSpeciesDescription,
            DicomTag.PatientBreedDescription, DicomTag.ResponsiblePerson, DicomTag.ResponsibleOrganization,
            DicomTag.NumberOfPatientRelatedStudies, DicomTag.NumberOfPatientRelatedSeries, DicomTag.NumberOfPatientRelatedInstances);

        // Table C.6-2 (Study level).
        Add(QueryRetrieveLevel.Study,
            DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.IssuerOfAccessionNumberSequence, DicomTag.StudyID,
            DicomTag.StudyInstanceUID, DicomTag.ReferringPhysicianName, DicomTag.StudyDescription, DicomTag.ProcedureCodeSequence,
            DicomTag.NameOfPhysiciansReadingStudy, DicomTag.AdmittingDiagnosesDescription, DicomTag.PatientAge, DicomTag.PatientSize,
            DicomTag.PatientWeight, DicomTag.Occupation, DicomTag.AdditionalPatientHistory, DicomTag.NumberOfStudyRelatedSeries,
            DicomTag.NumberOfStudyRelatedInstances, DicomTag.ModalitiesInStudy, DicomTag.SOPClassesInStudy,
            DicomTag.AnatomicRegionsInStudyCodeSequence, DicomTag.TimezoneOffsetFromUTC);

        // Table C.6-3 (Series level).
        Add(QueryRetrieveLevel.Series,
            DicomTag.Modality, DicomTag.SeriesNumber, DicomTag.SeriesInstanceUID, DicomTag.NumberOfSeriesRelatedInstances,
            DicomTag.SeriesDate, DicomTag.SeriesTime, DicomTag.SeriesDescription, DicomTag.BodyPartExamined, DicomTag.Laterality,
            DicomTag.Manufacturer, DicomTag.ManufacturerModelName, DicomTag.InstitutionName, DicomTag.InstitutionalDepartmentName,
            DicomTag.StationName, DicomTag.OperatorsName, DicomTag.ProtocolName, DicomTag.PerformingPhysicianName,
            DicomTag.PerformedProcedureStepStartDate, DicomTag.PerformedProcedureStepStartTime, DicomTag.PerformedProcedureStepID,
            DicomTag.PerformedProcedureStepDescription, DicomTag.RequestAttributesSequence, DicomTag.FrameOfReferenceUID);

        // Table C.6-4 (Composite Object Instance level).
        Add(QueryRetrieveLevel.Image,
            DicomTag.InstanceNumber, DicomTag.SOPInstanceUID, DicomTag.SOPClassUID, DicomTag.ContentDate, DicomTag.ContentTime,
            DicomTag.AcquisitionDate, DicomTag.AcquisitionTime, DicomTag.AcquisitionDateTime, DicomTag.ImageType, DicomTag.Rows,
            DicomTag.Columns, DicomTag.BitsAllocated, DicomTag.BitsStored, DicomTag.NumberOfFrames, DicomTag.SamplesPerPixel,
            DicomTag.PhotometricInterpretation, DicomTag.AvailableTransferSyntaxUID, DicomTag.InstanceCreationDate,
            DicomTag.InstanceCreationTime, DicomTag.ImageComments, DicomTag.AcquisitionNumber);
        return levels;
    }
}

/// <summary>The DIMSE-C operation a SOP class of Q/R is used with.</summary>
public enum DimseOperation
{
    Find,
    Move,
    Get,
}
