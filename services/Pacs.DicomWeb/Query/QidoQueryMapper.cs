using Pacs.Archive;
using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>
/// Turns the HTTP layer's parsed query into the archive's query model. What the index cannot match on (paths deeper
/// than one sequence) is dropped and named, so the endpoint can say so in a Warning header (PS3.18 8.3.4.4:
/// unsupported keys are ignored and reported); sequence keys the archive does not keep come back from it as
/// unsupported keys. multiplevaluematching needs nothing: ModalitiesInStudy, the only multi-valued key, already
/// matches on any of its values.
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
            if (condition.Attribute.Tags.Count > 2)
            {
                ignored.Add($"{condition.Attribute} (matching below one sequence level)");
                continue;
            }

            var tag = condition.Attribute.Leaf;
            var match = condition.Kind switch
            {
                QidoMatchKind.Universal => MatchCondition.Universal(tag),
                QidoMatchKind.Range => MatchCondition.Range(tag, condition.Range?.Lower, condition.Range?.Upper),
                QidoMatchKind.List when condition.VR == DicomVR.UI => MatchCondition.UidList(tag, condition.Values),

                // PS3.4 C.2.2.2.1: a CS list ("CT\MR") matches any of its values; the archive reads the backslash form.
                QidoMatchKind.List => MatchCondition.Parse(tag, string.Join('\\', condition.Values)),

                // Single and wildcard values go through the archive's own classification, which knows "" (empty value) and TM periods.
                _ => MatchCondition.Parse(tag, condition.Values.Count > 0 ? condition.Values[0] : string.Empty),
            };

            // PS3.4 C.2.2.2.6: a key inside a sequence matches item by item.
            conditions.Add(condition.Attribute.IsNested ? match.InSequence(condition.Attribute.Tags[0]) : match);
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
            EmptyValueMatching = query.EmptyValueMatching,
            IncludeFields = includeFields,
            IncludeAllFields = query.IncludeAllFields,
            Limit = query.Limit,
            Offset = query.Offset,
        };
    }
}
