using System.Globalization;
using System.Runtime.CompilerServices;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// C-FIND of the Patient Root and Study Root information models (PS3.4 C.4.1) over the archive's QIDO-RS: STUDY,
/// SERIES and IMAGE map onto studies, series and instances; PATIENT is answered from studies, one response per
/// patient (Patient ID and Issuer), with the patient's counts computed when asked for. Keys of the level queried and
/// of the levels above it are matched (relational matching, a superset of the hierarchical baseline: the unique keys
/// of higher levels are not required); keys of lower levels are returned empty.
/// </summary>
internal sealed class QueryFind(IArchiveQuery archive, QueryRetrieveOptions options)
{
    private static readonly DicomTag[] PatientCounts =
        [DicomTag.NumberOfPatientRelatedStudies, DicomTag.NumberOfPatientRelatedSeries, DicomTag.NumberOfPatientRelatedInstances];

    public async IAsyncEnumerable<DicomDataset> FindAsync(InformationModel model, DicomDataset identifier, string retrieveAeTitle,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var level = ReadLevel(model, identifier);
        var keys = FindKeyParser.Parse(identifier, QueryModel.IsControlAttribute, options.TimeZone);
        var characterSet = identifier.GetString(DicomTag.SpecificCharacterSet);

        // Keys of levels below the one queried mean nothing for this level's entities: returned empty, never matched.
        var below = keys.Where(k => Below(model, k.Tag, level)).Select(k => k.Tag).ToHashSet();
        var active = keys.Where(k => !below.Contains(k.Tag)).ToList();
        var uniqueKey = QueryModel.UniqueKey(level);
        var answered = keys.Any(k => k.Tag == uniqueKey)
            ? keys
            : [.. keys, new FindKey { Tag = uniqueKey, VR = DicomDictionary.GetVR(uniqueKey), Match = ArchiveMatchKey.Universal(uniqueKey) }];

        void Extras(DicomDataset response)
        {
            // PS3.4 C.4.1.1.3.2: the level, and where the matches can be retrieved from.
            response.Set(DicomTag.QueryRetrieveLevel, DicomVR.CS, QueryModel.Name(level));
            response.Set(DicomTag.RetrieveAETitle, DicomVR.AE, retrieveAeTitle);
        }

        if (level == QueryRetrieveLevel.Patient)
        {
            await foreach (var patient in FindPatientsAsync(active, cancellationToken).ConfigureAwait(false))
            {
                yield return FindResponseBuilder.Build(patient, answered, below, characterSet, Extras);
            }

            yield break;
        }

        var returnTags = answered.Where(k => !below.Contains(k.Tag)).Select(k => k.Tag);
        var search = new ArchiveSearch(archive, QueryModel.ArchiveLevel(level), active, returnTags);
        await foreach (var match in search.RunAsync(options.FindPageSize, cancellationToken).ConfigureAwait(false))
        {
            yield return FindResponseBuilder.Build(match, answered, below, characterSet, Extras);
        }
    }

    /// <summary>Reads and checks Query/Retrieve Level (PS3.4 C.4.1.1.3.1: required; Study Root has no PATIENT level).</summary>
    internal static QueryRetrieveLevel ReadLevel(InformationModel model, DicomDataset identifier)
    {
        var text = identifier.GetString(DicomTag.QueryRetrieveLevel);
        if (!QueryModel.TryParseLevel(text, out var level))
        {
            throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass,
                text is null ? "Query/Retrieve Level (0008,0052) is missing" : FindKeyParser.Clip($"Level '{text}' is not PATIENT, STUDY, SERIES or IMAGE"));
        }

        if (level < QueryModel.TopLevel(model))
        {
            throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass, "Study Root has no PATIENT level (PS3.4 C.6.2)");
        }

        return level;
    }

    private static bool Below(InformationModel model, DicomTag tag, QueryRetrieveLevel level)
    {
        var keyLevel = QueryModel.LevelOf(tag, level);

        // Study Root keeps the patient attributes at the study level (C.6.2.1).
        if (model == InformationModel.StudyRoot && keyLevel == QueryRetrieveLevel.Patient)
        {
            keyLevel = QueryRetrieveLevel.Study;
        }

        return keyLevel > level;
    }

    /// <summary>
    /// Patients, from the studies that match the patient keys: the first study of each patient (Patient ID with its
    /// Issuer; a study without Patient ID is its own patient) gives the patient attributes; counts come from a search
    /// for that patient's studies.
    /// </summary>
    private async IAsyncEnumerable<DicomDataset> FindPatientsAsync(List<FindKey> keys, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var counts = keys.Where(k => PatientCounts.Contains(k.Tag)).ToList();
        var archiveKeys = keys.Where(k => !PatientCounts.Contains(k.Tag)).ToList();
        var returnTags = new List<DicomTag>(archiveKeys.Select(k => k.Tag)) { DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.StudyInstanceUID };
        if (counts.Count > 0)
        {
            returnTags.AddRange([DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances]);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var search = new ArchiveSearch(archive, ArchiveQueryLevel.Study, archiveKeys, returnTags);
        await foreach (var study in search.RunAsync(options.FindPageSize, cancellationToken).ConfigureAwait(false))
        {
            var patientId = study.GetString(DicomTag.PatientID) ?? string.Empty;
            var issuer = study.GetString(DicomTag.IssuerOfPatientID) ?? string.Empty;
            var identity = patientId.Length == 0 ? "study:" + study.GetString(DicomTag.StudyInstanceUID) : patientId + "\\" + issuer;
            if (!seen.Add(identity))
            {
                continue;
            }

            if (seen.Count > options.MaxPatientsPerFind)
            {
                throw new DimseStatusException(DimseStatus.OutOfResourcesUnableToCalculateMatches,
                    FindKeyParser.Clip($"More than {options.MaxPatientsPerFind} patients match; narrow the query"));
            }

            var patient = study.Clone();
            if (counts.Count > 0)
            {
                var (studies, series, instances) = patientId.Length == 0
                    ? (1, study.GetInt32(DicomTag.NumberOfStudyRelatedSeries) ?? 0, study.GetInt32(DicomTag.NumberOfStudyRelatedInstances) ?? 0)
                    : await CountAsync(patientId, issuer, cancellationToken).ConfigureAwait(false);
                patient.Set(DicomTag.NumberOfPatientRelatedStudies, DicomVR.IS, studies.ToString(CultureInfo.InvariantCulture));
                patient.Set(DicomTag.NumberOfPatientRelatedSeries, DicomVR.IS, series.ToString(CultureInfo.InvariantCulture));
                patient.Set(DicomTag.NumberOfPatientRelatedInstances, DicomVR.IS, instances.ToString(CultureInfo.InvariantCulture));
                if (!LocalMatcher.Matches(patient, counts))
                {
                    continue;
                }
            }

            yield return patient;
        }
    }

    /// <summary>The number of studies, series and instances of one patient.</summary>
    private async Task<(int Studies, int Series, int Instances)> CountAsync(string patientId, string issuer, CancellationToken cancellationToken)
    {
        // Exact identity is checked here: a Patient ID holding '*' or '?' would be a wildcard to the archive.
        var keys = new List<FindKey>
        {
            new() { Tag = DicomTag.PatientID, VR = DicomVR.LO, Match = ArchiveMatchKey.Single(DicomTag.PatientID, patientId) },
        };
        var search = new ArchiveSearch(archive, ArchiveQueryLevel.Study, keys,
            [DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances]);
        int studies = 0, series = 0, instances = 0;
        await foreach (var study in search.RunAsync(options.FindPageSize, cancellationToken).ConfigureAwait(false))
        {
            if (study.GetString(DicomTag.PatientID) != patientId || (study.GetString(DicomTag.IssuerOfPatientID) ?? string.Empty) != issuer)
            {
                continue;
            }

            studies++;
            series += study.GetInt32(DicomTag.NumberOfStudyRelatedSeries) ?? 0;
            instances += study.GetInt32(DicomTag.NumberOfStudyRelatedInstances) ?? 0;
        }

        return (studies, series, instances);
    }
}
