using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Archive;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Inbox;

namespace Pacs.Indexer;

/// <summary>
/// Applies instance events to the index's derived data. Each event is applied at most once: its dedupe key goes into the
/// inbox in the same transaction as its effect (<see cref="InboxStore"/>). The effect itself recomputes the series'
/// aggregates from its visible instance rows (never increments them), so applying events late, out of order, or after a
/// reconcile lands on the same state; only the revision counters count events, which is why the inbox matters.
/// </summary>
public sealed partial class IndexProjector
{
    private const int Stripes = 64;
    private const int MaxConflictRetries = 6;

    private readonly ArchiveDatabase _database;
    private readonly IngestService _ingest;
    private readonly IndexerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    // Events of one study update the same study summary; taking them one at a time in this process avoids the
    // optimistic-concurrency conflicts (and their retries) that concurrent consumers would otherwise hit. Replicas in
    // other processes are still kept apart by the summaries' concurrency tokens.
    private readonly SemaphoreSlim[] _studyLocks = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public IndexProjector(ArchiveDatabase database, IngestService ingest, IndexerOptions options, TimeProvider? clock = null,
        ILogger<IndexProjector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _ingest = ingest;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<IndexProjector>.Instance;
    }

    private long _applied;
    private long _duplicates;

    /// <summary>Events applied by this instance since it was created.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Copies of events applied before, recognised by the inbox and skipped.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>
    /// Applies <paramref name="e"/>: fills the instance's frame byte ranges when its row has none, recomputes the series
    /// and study aggregates and marks the series' document stale. Returns false when the event had been applied before
    /// (a redelivered or re-published copy), in which case nothing changed.
    /// </summary>
    public async Task<bool> ApplyAsync(InstanceEventBase e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Outside the transaction: it reads a blob. Idempotent (only a row without a table gets one).
        if (_options.FillFrameTables && e is not InstanceDeleted)
            await _ingest.FillFrameTableAsync(e.Watermark, cancellationToken).ConfigureAwait(false);

        (string Study, string Series)? previous = null;
        if (e is InstanceReplaced { ReplacedWatermark: { } replaced })
            previous = await SeriesOfAsync(replaced, cancellationToken).ConfigureAwait(false);

        bool applied = await UnderStudyLockAsync(e.StudyInstanceUid, () => WithConflictRetriesAsync(() => _database.WriteAsync(async (db, token) =>
        {
            var now = _clock.GetUtcNow();
            if (!await InboxStore.TryRecordAsync(db, _options.ConsumerName, e.DedupeKey, now, token).ConfigureAwait(false))
                return false;
            await RefreshSeriesAsync(db, e.StudyInstanceUid, e.SeriesInstanceUid, now, token).ConfigureAwait(false);
            // A replacement may have moved the instance to another series (or study): that one changed too.
            if (previous is { } p && p.Series != e.SeriesInstanceUid)
                await RefreshSeriesAsync(db, p.Study, p.Series, now, token).ConfigureAwait(false);
            await db.SaveChangesAsync(token).ConfigureAwait(false);
            await RefreshStudyAsync(db, e.StudyInstanceUid, now, token).ConfigureAwait(false);
            if (previous is { } q && q.Study != e.StudyInstanceUid)
                await RefreshStudyAsync(db, q.Study, now, token).ConfigureAwait(false);
            return true;
        }, _options.DurableCommits, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref applied ? ref _applied : ref _duplicates);
        return applied;
    }

    /// <summary>
    /// Compares every series' aggregates with its instance rows and refreshes those that differ or have none (and those
    /// whose series is gone): the catch-up with events this indexer never received. Returns how many series it refreshed.
    /// </summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        Dictionary<string, (string Study, int Count, long Size, long Last)> actual;
        Dictionary<string, (string Study, int Count, long Size, long Last)> summarized;
        await using (var db = _database.CreateContext())
        {
            var groups = await db.Instances.AsNoTracking()
                .Where(i => i.Status == InstanceStatus.Created)
                .GroupBy(i => i.SeriesRowId)
                .Select(g => new { SeriesRowId = g.Key, Count = g.Count(), Size = g.Sum(i => i.SizeBytes), Last = g.Max(i => i.Watermark) })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var series = await db.Series.AsNoTracking()
                .Select(s => new { s.Id, s.SeriesInstanceUid, Study = s.Study.StudyInstanceUid })
                .ToDictionaryAsync(s => s.Id, cancellationToken).ConfigureAwait(false);
            actual = new(StringComparer.Ordinal);
            foreach (var s in series.Values)
                actual[s.SeriesInstanceUid] = (s.Study, 0, 0, 0);
            foreach (var g in groups)
            {
                if (series.TryGetValue(g.SeriesRowId, out var s))
                    actual[s.SeriesInstanceUid] = (s.Study, g.Count, g.Size, g.Last);
            }
            summarized = await db.SeriesSummaries.AsNoTracking()
                .ToDictionaryAsync(s => s.SeriesInstanceUid, s => (s.StudyInstanceUid, s.NumberOfInstances, s.SizeBytes, s.LastWatermark),
                    StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        }

        var differing = new List<(string Study, string Series)>();
        foreach (var (uid, a) in actual)
        {
            if (a.Count == 0 && !summarized.ContainsKey(uid))
                continue; // an empty series never summarized: nothing to announce
            if (!summarized.TryGetValue(uid, out var s) || (s.Count, s.Size, s.Last) != (a.Count, a.Size, a.Last))
                differing.Add((a.Study, uid));
        }
        foreach (var (uid, s) in summarized)
        {
            if (!actual.ContainsKey(uid) && s.Count > 0)
                differing.Add((s.Study, uid));
        }

        foreach (var (study, series) in differing)
            await RefreshAsync(study, series, cancellationToken).ConfigureAwait(false);
        if (differing.Count > 0)
            LogReconciled(differing.Count);
        return differing.Count;
    }

    /// <summary>Recomputes one series' and its study's aggregates (not an event: no inbox record).</summary>
    public Task RefreshAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default) =>
        UnderStudyLockAsync(studyInstanceUid, () => WithConflictRetriesAsync(() => _database.WriteAsync(async (db, token) =>
        {
            var now = _clock.GetUtcNow();
            await RefreshSeriesAsync(db, studyInstanceUid, seriesInstanceUid, now, token).ConfigureAwait(false);
            await db.SaveChangesAsync(token).ConfigureAwait(false);
            await RefreshStudyAsync(db, studyInstanceUid, now, token).ConfigureAwait(false);
            return true;
        }, _options.DurableCommits, cancellationToken), cancellationToken), cancellationToken);

    /// <summary>Runs <paramref name="work"/> while no other work of this process touches the study's summaries.</summary>
    internal async Task<T> UnderStudyLockAsync<T>(string studyInstanceUid, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = _studyLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(studyInstanceUid) % Stripes)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Retries a transaction that lost a race with another writer (a unique key, a concurrency token).</summary>
    internal async Task<T> WithConflictRetriesAsync<T>(Func<Task<T>> transaction, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await transaction().ConfigureAwait(false);
            }
            catch (DbUpdateException) when (attempt < MaxConflictRetries)
            {
                // Another replica (or the document refresher) changed the same summary first: recompute from scratch.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * (attempt + 1))), _clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<(string Study, string Series)?> SeriesOfAsync(long watermark, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var row = await db.Instances.AsNoTracking().Where(i => i.Watermark == watermark)
            .Select(i => new { Series = i.Series.SeriesInstanceUid, Study = i.Study.StudyInstanceUid })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row is null ? null : (row.Study, row.Series);
    }

    private static async Task RefreshSeriesAsync(ArchiveDbContext db, string studyUid, string seriesUid, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var series = await db.Series.AsNoTracking().Where(s => s.SeriesInstanceUid == seriesUid)
            .Select(s => new { s.Id, s.Modality, Study = s.Study.StudyInstanceUid })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var aggregate = series is null
            ? null
            : await db.Instances.AsNoTracking()
                .Where(i => i.SeriesRowId == series.Id && i.Status == InstanceStatus.Created)
                .GroupBy(i => i.SeriesRowId)
                .Select(g => new
                {
                    Count = g.Count(),
                    Size = g.Sum(i => i.SizeBytes),
                    // An image without Number of Frames is one frame (PS3.3 C.7.6.6); a non-image has none.
                    Frames = g.Sum(i => i.Rows == null ? 0L : (long)(i.NumberOfFrames ?? 1)),
                    Last = g.Max(i => i.Watermark),
                })
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);

        var summary = await db.SeriesSummaries.FirstOrDefaultAsync(s => s.SeriesInstanceUid == seriesUid, cancellationToken).ConfigureAwait(false);
        if (summary is null)
        {
            if (series is null)
                return; // gone before it was ever summarized: nothing to announce
            summary = new SeriesSummaryRow { SeriesInstanceUid = seriesUid, StudyInstanceUid = series.Study };
            db.SeriesSummaries.Add(summary);
        }
        summary.StudyInstanceUid = series?.Study ?? studyUid;
        summary.Modality = series?.Modality ?? summary.Modality;
        summary.NumberOfInstances = aggregate?.Count ?? 0;
        summary.SizeBytes = aggregate?.Size ?? 0;
        summary.NumberOfFrames = aggregate?.Frames ?? 0;
        summary.LastWatermark = aggregate?.Last ?? 0;
        summary.Revision++;
        summary.DocumentStale = true;
        summary.StaleSince ??= now;
        summary.UpdatedAt = now;
    }

    private static async Task RefreshStudyAsync(ArchiveDbContext db, string studyUid, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var series = await db.SeriesSummaries.AsNoTracking()
            .Where(s => s.StudyInstanceUid == studyUid && s.NumberOfInstances > 0)
            .Select(s => new { s.Modality, s.NumberOfInstances, s.SizeBytes, s.LastWatermark })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var summary = await db.StudySummaries.FirstOrDefaultAsync(s => s.StudyInstanceUid == studyUid, cancellationToken).ConfigureAwait(false);
        if (summary is null)
        {
            if (series.Count == 0)
                return;
            summary = new StudySummaryRow { StudyInstanceUid = studyUid };
            db.StudySummaries.Add(summary);
        }
        summary.NumberOfSeries = series.Count;
        summary.NumberOfInstances = series.Sum(s => s.NumberOfInstances);
        summary.SizeBytes = series.Sum(s => s.SizeBytes);
        summary.LastWatermark = series.Count == 0 ? 0 : series.Max(s => s.LastWatermark);
        // PS3.4 C.6.2.1.2 ModalitiesInStudy: the distinct Modality values of the study's series.
        var modalities = series.Select(s => s.Modality).Where(m => !string.IsNullOrEmpty(m)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        summary.ModalitiesInStudy = modalities.Count == 0 ? null : string.Join('\\', modalities);
        summary.Revision++;
        summary.UpdatedAt = now;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile refreshed {Count} series whose aggregates differed from the index")]
    private partial void LogReconciled(int count);
}
