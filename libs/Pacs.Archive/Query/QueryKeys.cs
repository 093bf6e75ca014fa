using System.Linq.Expressions;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>The level of the index an attribute lives at.</summary>
internal enum AttributeLevel
{
    Patient,
    Study,
    Series,
    Instance,

    /// <summary>An item of a series' Request Attributes Sequence (<see cref="RequestAttributesRow"/>).</summary>
    RequestItem,
}

/// <summary>How a key's column is matched.</summary>
internal enum KeyKind
{
    /// <summary>Case-sensitive text (LO, SH, CS): single value, wildcard, empty.</summary>
    Text,

    /// <summary>PN: like text, plus fuzzy matching on the normalised column.</summary>
    PersonName,

    /// <summary>UI: single value or list, no wildcards.</summary>
    Uid,

    /// <summary>DA as YYYYMMDD.</summary>
    Date,

    /// <summary>TM as HHMMSS.FFFFFF.</summary>
    Time,

    /// <summary>DT as YYYYMMDDHHMMSS.FFFFFF.</summary>
    DateTime,

    /// <summary>IS as an integer column: single value only.</summary>
    Integer,

    /// <summary>ModalitiesInStudy: matches when any series of the study matches.</summary>
    ModalitiesInStudy,
}

/// <summary>One attribute the index can match on: where its column is and how it is matched.</summary>
internal sealed record QueryKey(DicomTag Tag, AttributeLevel Level, KeyKind Kind, LambdaExpression Column, LambdaExpression? FuzzyColumn = null)
{
    /// <summary>The sequence the key lives in, for keys of sequence items.</summary>
    public DicomTag? SequenceTag { get; init; }
}

/// <summary>The matching keys of PS3.18 Table 10.6.1-5 the index supports, plus a few that viewers send.</summary>
internal static class QueryKeys
{
    private static readonly Dictionary<DicomTag, QueryKey> Keys = Build();

    private static readonly Dictionary<(DicomTag Sequence, DicomTag Tag), QueryKey> ItemKeys = new()
    {
        [(DicomTag.RequestAttributesSequence, DicomTag.ScheduledProcedureStepID)] =
            RequestItem(DicomTag.ScheduledProcedureStepID, r => r.ScheduledProcedureStepId),
        [(DicomTag.RequestAttributesSequence, DicomTag.RequestedProcedureID)] =
            RequestItem(DicomTag.RequestedProcedureID, r => r.RequestedProcedureId),
    };

    public static QueryKey? Find(DicomTag tag) => Keys.GetValueOrDefault(tag);

    /// <summary>The key of a condition, top-level or inside a sequence.</summary>
    public static QueryKey? Find(MatchCondition condition) => condition.SequenceTag is { } sequence
        ? ItemKeys.GetValueOrDefault((sequence, condition.Tag))
        : Find(condition.Tag);

    /// <summary>Whether a key of <paramref name="keyLevel"/> can be matched in a query returning <paramref name="queryLevel"/> (the level or above).</summary>
    public static bool Applies(AttributeLevel keyLevel, QueryLevel queryLevel) => queryLevel switch
    {
        QueryLevel.Study => keyLevel <= AttributeLevel.Study,
        QueryLevel.Series => keyLevel is <= AttributeLevel.Series or AttributeLevel.RequestItem,
        _ => true,
    };

    private static Dictionary<DicomTag, QueryKey> Build()
    {
        var keys = new QueryKey[]
        {
            Patient(DicomTag.PatientName, KeyKind.PersonName, p => p.PatientName, p => p.PatientNameFuzzy),
            Patient(DicomTag.PatientID, KeyKind.Text, p => p.PatientId),
            Patient(DicomTag.IssuerOfPatientID, KeyKind.Text, p => p.IssuerOfPatientId),
            Patient(DicomTag.PatientBirthDate, KeyKind.Date, p => p.PatientBirthDate),
            Patient(DicomTag.PatientSex, KeyKind.Text, p => p.PatientSex),
            Study(DicomTag.StudyInstanceUID, KeyKind.Uid, s => s.StudyInstanceUid),
            Study(DicomTag.StudyDate, KeyKind.Date, s => s.StudyDate),
            Study(DicomTag.StudyTime, KeyKind.Time, s => s.StudyTime),
            Study(DicomTag.AccessionNumber, KeyKind.Text, s => s.AccessionNumber),
            Study(DicomTag.ReferringPhysicianName, KeyKind.PersonName, s => s.ReferringPhysicianName, s => s.ReferringPhysicianNameFuzzy),
            Study(DicomTag.StudyID, KeyKind.Text, s => s.StudyId),
            Study(DicomTag.StudyDescription, KeyKind.Text, s => s.StudyDescription),
            Study(DicomTag.ModalitiesInStudy, KeyKind.ModalitiesInStudy, s => s.Id),
            Series(DicomTag.SeriesInstanceUID, KeyKind.Uid, s => s.SeriesInstanceUid),
            Series(DicomTag.Modality, KeyKind.Text, s => s.Modality),
            Series(DicomTag.SeriesNumber, KeyKind.Integer, s => s.SeriesNumber),
            Series(DicomTag.SeriesDescription, KeyKind.Text, s => s.SeriesDescription),
            Series(DicomTag.BodyPartExamined, KeyKind.Text, s => s.BodyPartExamined),
            Series(DicomTag.PerformedProcedureStepStartDate, KeyKind.Date, s => s.PerformedProcedureStepStartDate),
            Series(DicomTag.PerformedProcedureStepStartTime, KeyKind.Time, s => s.PerformedProcedureStepStartTime),
            Instance(DicomTag.SOPInstanceUID, KeyKind.Uid, i => i.SopInstanceUid),
            Instance(DicomTag.SOPClassUID, KeyKind.Uid, i => i.SopClassUid),
            Instance(DicomTag.InstanceNumber, KeyKind.Integer, i => i.InstanceNumber),
            Instance(DicomTag.AcquisitionDateTime, KeyKind.DateTime, i => i.AcquisitionDateTime),
        };
        return keys.ToDictionary(k => k.Tag);
    }

    private static QueryKey Patient<T>(DicomTag tag, KeyKind kind, Expression<Func<PatientRow, T>> column, Expression<Func<PatientRow, string?>>? fuzzy = null) =>
        new(tag, AttributeLevel.Patient, kind, column, fuzzy);

    private static QueryKey Study<T>(DicomTag tag, KeyKind kind, Expression<Func<StudyRow, T>> column, Expression<Func<StudyRow, string?>>? fuzzy = null) =>
        new(tag, AttributeLevel.Study, kind, column, fuzzy);

    private static QueryKey Series<T>(DicomTag tag, KeyKind kind, Expression<Func<SeriesRow, T>> column) =>
        new(tag, AttributeLevel.Series, kind, column);

    private static QueryKey RequestItem(DicomTag tag, Expression<Func<RequestAttributesRow, string?>> column) =>
        new(tag, AttributeLevel.RequestItem, KeyKind.Text, column) { SequenceTag = DicomTag.RequestAttributesSequence };

    private static QueryKey Instance<T>(DicomTag tag, KeyKind kind, Expression<Func<InstanceRow, T>> column) =>
        new(tag, AttributeLevel.Instance, kind, column);
}
