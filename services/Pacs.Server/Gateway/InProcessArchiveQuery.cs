using System.Data.Common;
using Pacs.Archive;
using Pacs.Gateway.Archive;

namespace Pacs.Server.Gateway;

/// <summary>
/// The gateway's archive search in the embedded server: C-FIND, C-MOVE and C-GET call the archive's
/// <see cref="QueryService"/> directly, with the same matching as QIDO-RS over HTTP and no HTTP in between.
/// </summary>
public sealed class InProcessArchiveQuery(QueryService queries) : IArchiveQuery
{
    public bool CanMatch(ArchiveQueryLevel level, ArchiveMatchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);

        // Several alternatives of a single value are a list to the index for CS (Modalities in Study) only.
        if (key.Kind == ArchiveMatchKind.Single && key.Values.Count > 1 && Pacs.Dicom.DicomDictionary.GetVR(key.Tag) != Pacs.Dicom.DicomVR.CS)
        {
            return false;
        }

        return key.Kind == ArchiveMatchKind.Universal || QueryService.IsSupportedKey(Level(level), Condition(key));
    }

    public async Task<ArchiveQueryPage> QueryAsync(ArchiveQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var qido = new QidoQuery
        {
            Level = Level(query.Level),
            Conditions = [.. query.Keys.Where(k => k.Kind != ArchiveMatchKind.Universal).Select(Condition)],
            IncludeFields = query.IncludeFields,
            Limit = query.Limit,
            Offset = query.Offset,
        };
        try
        {
            var result = await queries.QueryAsync(qido, cancellationToken).ConfigureAwait(false);
            return new ArchiveQueryPage(result.Matches, result.HasMore, result.UnsupportedKeys, result.UnsupportedIncludeFields);
        }
        catch (QidoQueryException e)
        {
            throw new ArchiveQueryException(e.Message, e);
        }
        catch (DbException e)
        {
            throw new ArchiveUnavailableException($"The archive's index failed: {e.Message}", e);
        }
    }

    private static QueryLevel Level(ArchiveQueryLevel level) => level switch
    {
        ArchiveQueryLevel.Study => QueryLevel.Study,
        ArchiveQueryLevel.Series => QueryLevel.Series,
        _ => QueryLevel.Instance,
    };

    private static MatchCondition Condition(ArchiveMatchKey key)
    {
        var condition = key.Kind switch
        {
            ArchiveMatchKind.Single when key.Values.Count > 1 => MatchCondition.Parse(key.Tag, string.Join('\\', key.Values)),
            ArchiveMatchKind.Single => MatchCondition.Single(key.Tag, key.Value),
            ArchiveMatchKind.Wildcard => MatchCondition.Wildcard(key.Tag, key.Value),
            ArchiveMatchKind.UidList => MatchCondition.UidList(key.Tag, key.Values),
            ArchiveMatchKind.Range => MatchCondition.Range(key.Tag, key.RangeStart, key.RangeEnd),
            _ => MatchCondition.Universal(key.Tag),
        };
        return key.SequenceTag is { } sequence ? condition.InSequence(sequence) : condition;
    }
}
