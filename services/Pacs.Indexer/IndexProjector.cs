using System.Globalization;
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
/// <para>
/// Events from the bus (<see cref="SubmitAsync"/>) are applied in batches, group-commit style: those that arrive while
/// a batch is being applied form the next one, which records all their inbox keys in one statement and refreshes each
/// series and study they touch once, in one transaction; each event's consumer completes (and the broker is
/// acknowledged) only after that commit. A batch that fails is applied again one event at a time, so a poison event
/// fails alone.
/// </para>
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
    /// Applies <paramref name="e"/> in a transaction of its own: fills the instance's frame byte ranges when its row has
    /// none, recomputes the series and study aggregates and marks the series' document stale. Returns false when the
    /// event had been applied before (a redelivered or re-published copy), in which case nothing changed.
    /// </summary>
    public async Task<bool> ApplyAsync(InstanceEventBase e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        var applied = await ApplyTogetherAsync([e], cancellationToken).ConfigureAwait(false);
        return applied[0];
    }

    /// <summary>
    /// Applies <paramref name="events"/> together: one transaction records all their inbox keys and refreshes each
    /// series and study they touch once. When that fails, each event is applied alone, so one that cannot be applied
    /// fails by itself. Returns, in order, each event's outcome: applied, a copy of one applied before (or earlier in
    /// the list), or its failure.
    /// </summary>
    public async Task<IReadOnlyList<IndexEventOutcome>> ApplyBatchAsync(IReadOnlyList<InstanceEventBase> events,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var outcomes = new IndexEventOutcome[events.Count];
        if (events.Count == 0)
            return outcomes;
        try
        {
            var applied = await ApplyTogetherAsync(events, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < outcomes.Length; i++)
                outcomes[i] = new IndexEventOutcome(applied[i], null);
            return outcomes;
        }
        catch (Exception) when (events.Count > 1)
        {
            // Nothing of the batch was committed (its unit rolled back to its savepoint). One by one, a poison event
            // fails alone and goes the bus's way of retries and the error queue; the others are applied.
            LogBatchFellBack(events.Count);
        }
        for (int i = 0; i < events.Count; i++)
        {
            try
            {
                var applied = await ApplyTogetherAsync([events[i]], cancellationToken).ConfigureAwait(false);
                outcomes[i] = new IndexEventOutcome(applied[0], null);
            }
            catch (Exception e)
            {
                outcomes[i] = new IndexEventOutcome(false, e);
            }
        }
        return outcomes;
    }

    /// <summary>
    /// The consumer's way in: <paramref name="e"/> joins the batch that forms while the previous one is being applied
    /// (group commit), and the task completes once the transaction holding its effect has committed — so the broker's
    /// acknowledgement, which follows the consumer's completion, never precedes the commit. Throws the event's own
    /// failure when it could not be applied. Cancellation is honoured until its batch starts.
    /// </summary>
    public Task<bool> SubmitAsync(InstanceEventBase e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        var pending = new PendingEvent(e, cancellationToken);
        _queue.Enqueue(pending);
        // The first batch starts on the caller's thread (the consumer, which only waits for it) rather than being
        // handed to a pool thread: its first steps are quick, and at its first real wait (the group commit) the caller
        // gets its task back.
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            _ = DrainAsync();
        return pending.Completion.Task;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<PendingEvent> _queue = new();
    private int _draining;
    private long _batches;

    /// <summary>Batches applied by <see cref="SubmitAsync"/> so far (for tests and the bench: events per batch).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Takes whatever is waiting, applies it as one batch, and repeats until nothing waits; then stops.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<PendingEvent>();
        while (true)
        {
            batch.Clear();
            while (batch.Count < Math.Max(1, _options.MaxBatchSize) && _queue.TryDequeue(out var p))
            {
                if (p.CancellationToken.IsCancellationRequested)
                    p.Completion.TrySetCanceled(p.CancellationToken);
                else
                    batch.Add(p);
            }
            if (batch.Count == 0)
            {
                Volatile.Write(ref _draining, 0);
                // An event enqueued after the last look but before the flag dropped found the flag set: take it on.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                    return;
                continue;
            }
            Interlocked.Increment(ref _batches);
            IReadOnlyList<IndexEventOutcome> outcomes;
            try
            {
                outcomes = await ApplyBatchAsync(batch.ConvertAll(p => p.Event), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // ApplyBatchAsync answers per event; this is a bug's last line: nobody may be left waiting.
                foreach (var p in batch)
                    p.Completion.TrySetException(e);
                continue;
            }
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i].Failure is { } failure)
                    batch[i].Completion.TrySetException(failure);
                else
                    batch[i].Completion.TrySetResult(outcomes[i].Applied);
            }
        }
    }

    private sealed class PendingEvent(InstanceEventBase e, CancellationToken cancellationToken)
    {
        public InstanceEventBase Event { get; } = e;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Applies <paramref name="events"/> in one transaction, all or nothing; returns for each whether it was applied
    /// (false: its dedupe key was in the inbox already, or earlier in the list).
    /// </summary>
    private async Task<bool[]> ApplyTogetherAsync(IReadOnlyList<InstanceEventBase> events, CancellationToken cancellationToken)
    {
        // Outside the transaction: it reads blobs. Idempotent (only a row without a table gets one). One query finds
        // the rows of the whole batch that lack a table; ingest fills it at store time, so usually none do.
        if (_options.FillFrameTables)
        {
            foreach (long watermark in await WithoutFrameTableAsync(events, cancellationToken).ConfigureAwait(false))
                await _ingest.FillFrameTableAsync(watermark, cancellationToken).ConfigureAwait(false);
        }

        // A replacement may have moved the instance to another series (or study): that one changed too.
        var previous = new (string Study, string Series)?[events.Count];
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] is InstanceReplaced { ReplacedWatermark: { } replaced })
                previous[i] = await SeriesOfAsync(replaced, cancellationToken).ConfigureAwait(false);
        }

        var studies = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < events.Count; i++)
        {
            studies.Add(events[i].StudyInstanceUid);
            if (previous[i] is { } p)
                studies.Add(p.Study);
        }

        bool[] applied = await UnderStudyLocksAsync(studies, () => WithConflictRetriesAsync(() => _database.WriteAsync(async (db, token) =>
        {
            var now = _clock.GetUtcNow();
            var keys = new string[events.Count];
            for (int i = 0; i < events.Count; i++)
                keys[i] = events[i].DedupeKey;
            var recorded = await InboxStore.RecordNewAsync(db, _options.ConsumerName, keys, now, token).ConfigureAwait(false);
            var result = new bool[events.Count];
            // Revisions count applied events: each applied event adds one to its series and study (and to those it left).
            var seriesCounts = new SortedDictionary<string, (string Study, int Count)>(StringComparer.Ordinal);
            var studyCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var firstCopy = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < events.Count; i++)
            {
                var e = events[i];
                // A key twice in one batch: the first copy is the event, the second a duplicate.
                if (!recorded.Contains(keys[i]) || !firstCopy.Add(keys[i]))
                    continue;
                result[i] = true;
                Count(seriesCounts, e.SeriesInstanceUid, e.StudyInstanceUid);
                if (previous[i] is { } p && p.Series != e.SeriesInstanceUid)
                    Count(seriesCounts, p.Series, p.Study);
                studyCounts[e.StudyInstanceUid] = studyCounts.GetValueOrDefault(e.StudyInstanceUid) + 1;
                if (previous[i] is { } q && q.Study != e.StudyInstanceUid)
                    studyCounts[q.Study] = studyCounts.GetValueOrDefault(q.Study) + 1;
            }
            if (seriesCounts.Count > 0)
            {
                var summaries = new SummarySql(db, _database.IsPostgres);
                await summaries.RefreshSeriesAsync(seriesCounts, now, token).ConfigureAwait(false);
                await summaries.RefreshStudiesAsync(studyCounts, now, token).ConfigureAwait(false);
            }
            return result;
        }, _options.DurableCommits, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);

        int appliedCount = applied.Count(a => a);
        Interlocked.Add(ref _applied, appliedCount);
        Interlocked.Add(ref _duplicates, applied.Length - appliedCount);
        return applied;

        static void Count(SortedDictionary<string, (string Study, int Count)> counts, string series, string study) =>
            counts[series] = counts.TryGetValue(series, out var c) ? (c.Study, c.Count + 1) : (study, 1);
    }

    /// <summary>The watermarks among <paramref name="events"/>' (not deletions) whose rows are visible images without a frame table.</summary>
    private async Task<List<long>> WithoutFrameTableAsync(IReadOnlyList<InstanceEventBase> events, CancellationToken cancellationToken)
    {
        var found = new List<long>();
        var watermarks = events.Where(e => e is not InstanceDeleted).Select(e => e.Watermark).Distinct().ToList();
        if (watermarks.Count == 0)
            return found;
        await using var db = _database.CreateContext();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        // A plain command: EF's query pipeline for this one-column lookup cost more than the lookup itself.
        command.CommandText = $"SELECT watermark FROM instances WHERE watermark IN ({string.Join(", ", watermarks.Select((_, i) => "@w" + i.ToString(CultureInfo.InvariantCulture)))}) " +
            $"AND status = {(int)InstanceStatus.Created} AND \"rows\" IS NOT NULL AND frame_table IS NULL";
        for (int i = 0; i < watermarks.Count; i++)
            SummarySql.AddParameter(command, "@w" + i.ToString(CultureInfo.InvariantCulture), watermarks[i]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            found.Add(reader.GetInt64(0));
        return found;
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
            var summaries = new SummarySql(db, _database.IsPostgres);
            await summaries.RefreshSeriesAsync(new SortedDictionary<string, (string, int)>(StringComparer.Ordinal) { [seriesInstanceUid] = (studyInstanceUid, 1) },
                now, token).ConfigureAwait(false);
            await summaries.RefreshStudiesAsync(new SortedDictionary<string, int>(StringComparer.Ordinal) { [studyInstanceUid] = 1 }, now, token)
                .ConfigureAwait(false);
            return true;
        }, _options.DurableCommits, cancellationToken), cancellationToken), cancellationToken);

    /// <summary>Runs <paramref name="work"/> while no other work of this process touches the study's summaries.</summary>
    internal async Task<T> UnderStudyLockAsync<T>(string studyInstanceUid, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = _studyLocks[StripeOf(studyInstanceUid)];
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

    /// <summary>
    /// Runs <paramref name="work"/> holding the locks of all <paramref name="studyInstanceUids"/>, taken in stripe order
    /// (so two holders of several never wait for each other in a circle).
    /// </summary>
    private async Task<T> UnderStudyLocksAsync<T>(IEnumerable<string> studyInstanceUids, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var stripes = studyInstanceUids.Select(StripeOf).Distinct().Order().ToList();
        int taken = 0;
        try
        {
            foreach (int stripe in stripes)
            {
                await _studyLocks[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }
            return await work().ConfigureAwait(false);
        }
        finally
        {
            for (int i = 0; i < taken; i++)
                _studyLocks[stripes[i]].Release();
        }
    }

    private static int StripeOf(string studyInstanceUid) => (int)((uint)StringComparer.Ordinal.GetHashCode(studyInstanceUid) % Stripes);

    /// <summary>Retries a transaction that lost a race with another writer (a unique key, a concurrency token).</summary>
    internal async Task<T> WithConflictRetriesAsync<T>(Func<Task<T>> transaction, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await transaction().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxConflictRetries && IsConflict(e))
            {
                // Another replica (or the document refresher) changed the same summary first: recompute from scratch.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * (attempt + 1))), _clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A race lost to another writer: an optimistic concurrency check (EF's, or <see cref="SummarySql"/>'s), a unique
    /// key, a PostgreSQL deadlock or serialization failure. Worth running the transaction again from scratch.
    /// </summary>
    private static bool IsConflict(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case DbUpdateException:
                    return true;
                case Npgsql.PostgresException pg when pg.SqlState is Npgsql.PostgresErrorCodes.UniqueViolation
                    or Npgsql.PostgresErrorCodes.SerializationFailure or Npgsql.PostgresErrorCodes.DeadlockDetected:
                    return true;
            }
        }
        return false;
    }

    private async Task<(string Study, string Series)?> SeriesOfAsync(long watermark, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var row = await db.Instances.AsNoTracking().Where(i => i.Watermark == watermark)
            .Select(i => new { Series = i.Series.SeriesInstanceUid, Study = i.Study.StudyInstanceUid })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row is null ? null : (row.Study, row.Series);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile refreshed {Count} series whose aggregates differed from the index")]
    private partial void LogReconciled(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} events failed; applying them one by one")]
    private partial void LogBatchFellBack(int count);
}

/// <summary>What became of one event of a batch: applied, a copy of one applied before (not applied, no failure), or its failure.</summary>
public readonly record struct IndexEventOutcome(bool Applied, Exception? Failure);
