using Microsoft.EntityFrameworkCore;

namespace Pacs.Archive;

/// <summary>One change feed entry, as the change feed endpoint returns it.</summary>
public sealed record ChangeFeedEntry(long Sequence, DateTimeOffset Timestamp, ChangeFeedAction Action, string StudyInstanceUid,
    string SeriesInstanceUid, string SopInstanceUid, long Watermark, int Version);

/// <summary>
/// Reads the change feed in sequence order. Sequence numbers are given when an entry is inserted, so on PostgreSQL a
/// reader may see entry n+1 committed before entry n; a consumer that must not miss entries re-reads from its last
/// position after a short delay, or reads up to a few seconds behind the newest entry.
/// </summary>
public sealed class ChangeFeedReader
{
    private readonly ArchiveDatabase _database;

    public ChangeFeedReader(ArchiveDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Entries with a sequence number above <paramref name="afterSequence"/>, at most <paramref name="limit"/>, oldest first.</summary>
    public async Task<IReadOnlyList<ChangeFeedEntry>> ReadAsync(long afterSequence = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = _database.CreateContext();
        return await db.ChangeFeed.AsNoTracking()
            .Where(c => c.Sequence > afterSequence)
            .OrderBy(c => c.Sequence)
            .Take(limit)
            .Select(c => new ChangeFeedEntry(c.Sequence, c.Timestamp, c.Action, c.StudyInstanceUid, c.SeriesInstanceUid, c.SopInstanceUid, c.Watermark, c.Version))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest sequence number, 0 when the feed is empty.</summary>
    public async Task<long> LatestAsync(CancellationToken cancellationToken = default)
    {
        await using var db = _database.CreateContext();
        return await db.ChangeFeed.MaxAsync(c => (long?)c.Sequence, cancellationToken).ConfigureAwait(false) ?? 0;
    }
}
