using System.Runtime.CompilerServices;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// One search over the archive with the full PS3.4 C.2.2.2 semantics: the keys the archive can match go to it, the rest
/// are matched here on the attributes it returns (which are asked for with includefield). Pages are fetched as they
/// are consumed, so matches stream and memory stays bounded by one page.
/// </summary>
internal sealed class ArchiveSearch
{
    private readonly IArchiveQuery _archive;
    private readonly ArchiveQueryLevel _level;
    private readonly List<ArchiveMatchKey> _archiveKeys = [];
    private readonly List<FindKey> _localKeys = [];
    private readonly HashSet<DicomTag> _include = [];
    private readonly HashSet<DicomTag> _ignored = [];
    private readonly Dictionary<DicomTag, FindKey> _keysByTag;

    public ArchiveSearch(IArchiveQuery archive, ArchiveQueryLevel level, IEnumerable<FindKey> matchingKeys, IEnumerable<DicomTag> returnTags)
    {
        _archive = archive;
        _level = level;
        var keys = matchingKeys.Where(k => k.IsMatching).ToList();
        _keysByTag = keys.GroupBy(k => k.Tag).ToDictionary(g => g.Key, g => g.First());
        foreach (var key in keys)
        {
            if (key.IsSequence)
            {
                // The archive gets the item keys it can match (a necessary condition); the item as a whole is checked
                // here whenever any of its keys is not the archive's, so that all of them hold within one item.
                var local = false;
                foreach (var item in key.ItemKeys!.Where(k => k.IsMatching))
                {
                    var inSequence = item.Match.InSequence(key.Tag);
                    if (!item.IsSequence && archive.CanMatch(level, inSequence))
                    {
                        _archiveKeys.Add(inSequence);
                    }
                    else
                    {
                        local = true;
                    }
                }

                if (local)
                {
                    _localKeys.Add(key);
                }
            }
            else if (archive.CanMatch(level, key.Match))
            {
                _archiveKeys.Add(key.Match);
            }
            else
            {
                _localKeys.Add(key);
            }
        }

        // C.2.2.2.5.1: a date and a time given together are one range. The archive combines Study Date and Study Time
        // itself; any other pair, or one of which either half is matched here, is matched here as a whole.
        foreach (var (date, time) in QueryModel.DateTimePairs)
        {
            var pair = keys.Where(k => (k.Tag == date || k.Tag == time) && k.Match.Kind is ArchiveMatchKind.Single or ArchiveMatchKind.Range).ToList();
            if (pair.Count == 2 && (date != DicomTag.StudyDate || pair.Any(_localKeys.Contains)))
            {
                foreach (var k in pair.Where(k => !_localKeys.Contains(k)))
                {
                    _archiveKeys.Remove(k.Match);
                    _localKeys.Add(k);
                }
            }
        }

        _include.UnionWith(returnTags);
        _include.UnionWith(_localKeys.Select(k => k.Tag));
    }

    /// <summary>Keys the archive could neither match nor return: they were ignored (treated as return keys).</summary>
    public IReadOnlyCollection<DicomTag> Ignored => _ignored;

    /// <summary>The matches, page by page, after the local keys.</summary>
    /// <exception cref="DimseStatusException">The archive refused the search (0xC000) or could not answer (0xC001).</exception>
    public async IAsyncEnumerable<DicomDataset> RunAsync(int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = 0;
        var localKeys = _localKeys.ToList();
        while (true)
        {
            var query = new ArchiveQuery
            {
                Level = _level,
                Keys = _archiveKeys,
                IncludeFields = [.. _include.Where(t => !QueryModel.IsControlAttribute(t)).Order()],
                Offset = offset,
                Limit = pageSize,
            };
            ArchiveQueryPage page;
            try
            {
                page = await _archive.QueryAsync(query, cancellationToken).ConfigureAwait(false);
            }
            catch (ArchiveQueryException e)
            {
                throw new DimseStatusException(DimseStatus.UnableToProcess, FindKeyParser.Clip(e.Message));
            }
            catch (ArchiveUnavailableException e)
            {
                throw new DimseStatusException(GatewayStatus.ArchiveUnavailable, FindKeyParser.Clip(e.Message));
            }

            if (offset == 0)
            {
                // Keys the archive ignored are matched here instead, if it returns their values; otherwise nothing can
                // match on them and they only come back as return keys (PS3.4 C.4.1.1.3.1 lets an SCP do so).
                foreach (var tag in page.UnsupportedKeys)
                {
                    foreach (var ignored in _archiveKeys.Where(k => k.Tag == tag || k.SequenceTag == tag).ToList())
                    {
                        var owner = ignored.SequenceTag ?? ignored.Tag;
                        if (!localKeys.Any(k => k.Tag == owner) && _keysByTag.TryGetValue(owner, out var key))
                        {
                            localKeys.Add(key);
                        }
                    }
                }

                foreach (var tag in page.UnsupportedIncludeFields)
                {
                    if (localKeys.RemoveAll(k => k.Tag == tag) > 0)
                    {
                        _ignored.Add(tag);
                    }
                }
            }

            foreach (var match in page.Matches)
            {
                if (LocalMatcher.Matches(match, localKeys))
                {
                    yield return match;
                }
            }

            offset += page.Matches.Count;
            if (!page.HasMore || page.Matches.Count == 0)
            {
                yield break;
            }
        }
    }
}

/// <summary>Status codes the gateway answers with beyond the named ones of <see cref="DimseStatus"/>.</summary>
public static class GatewayStatus
{
    /// <summary>Failed: unable to process (PS3.4 C.4.1.1.4, Cxxx) — the archive could not be reached or failed.</summary>
    public static readonly DimseStatus ArchiveUnavailable = new(0xC001);
}
