using Pacs.Archive;
using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>
/// Turns the HTTP layer's parsed query into the archive's query model. What the index cannot match on (attributes
/// inside sequences, emptyvaluematching, multiplevaluematching) is dropped and named, so the endpoint can say so in
/// a Warning header (PS3.18 8.3.4.4: unsupported keys are ignored and reported).
/// </summary>
public static class QidoQueryMapper
{
    public static Pacs.Archive.QidoQuery ToArchiveQuery(QidoQuery query, List<string> ignored)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(ignored);
        var conditions = new List<MatchCondition>(query.Conditions.Count);
        foreach (var condition in query.Conditions)
        {
            if (condition.Attribute.IsNested)
            {
                ignored.Add($"{condition.Attribute} (matching inside sequences)");
                continue;
            }

            var tag = condition.Attribute.Leaf;
            conditions.Add(condition.Kind switch
            {
                QidoMatchKind.Universal => MatchCondition.Universal(tag),
                QidoMatchKind.Range => MatchCondition.Range(tag, condition.Range?.Lower, condition.Range?.Upper),
                QidoMatchKind.List when condition.VR == DicomVR.UI => MatchCondition.UidList(tag, condition.Values),

                // PS3.4 C.2.2.2.1: a CS list ("CT\MR") matches any of its values; the archive reads the backslash form.
                QidoMatchKind.List => MatchCondition.Parse(tag, string.Join('\\', condition.Values)),

                // Single and wildcard values go through the archive's own classification, which knows "" (empty value) and TM periods.
                _ => MatchCondition.Parse(tag, condition.Values.Count > 0 ? condition.Values[0] : string.Empty),
            });
        }

        if (query.EmptyValueMatching)
        {
            ignored.Add("emptyvaluematching");
        }

        if (query.MultipleValueMatching)
        {
            ignored.Add("multiplevaluematching");
        }

        var includeFields = new List<DicomTag>();
        foreach (var field in query.IncludeFields)
        {
            if (field.IsNested)
            {
                ignored.Add($"includefield={field}");
            }
            else
            {
                includeFields.Add(field.Leaf);
            }
        }

        return new Pacs.Archive.QidoQuery
        {
            Level = query.Level switch
            {
                QidoLevel.Study => QueryLevel.Study,
                QidoLevel.Series => QueryLevel.Series,
                _ => QueryLevel.Instance,
            },
            StudyInstanceUid = query.StudyInstanceUid,
            SeriesInstanceUid = query.SeriesInstanceUid,
            Conditions = conditions,
            FuzzyMatching = query.FuzzyMatching,
            IncludeFields = includeFields,
            IncludeAllFields = query.IncludeAllFields,
            Limit = query.Limit,
            Offset = query.Offset,
        };
    }
}
