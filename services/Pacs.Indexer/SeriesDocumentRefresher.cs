using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Archive;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Inbox;

namespace Pacs.Indexer;

/// <summary>
/// Rebuilds the metadata documents of series whose aggregates changed, once each series has gone quiet
/// (<see cref="IndexerOptions.DocumentQuietPeriod"/>) or has waited too long (<see cref="IndexerOptions.DocumentMaxStaleness"/>),
/// so a 2,000-instance series costs a handful of rebuilds instead of 2,000. After a rebuild it announces
/// <see cref="SeriesChanged"/> and <see cref="StudyChanged"/> through the outbox, in the transaction that records the
/// rebuild, so the announcement and the record cannot part. Series left empty are announced as removed and forgotten.
/// </summary>
public sealed partial class SeriesDocumentRefresher : BackgroundService
{
    private readonly ArchiveDatabase _database;
    private readonly IndexProjector _projector;
    private readonly ISeriesMetadataDocuments _documents;
    private readonly IndexerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private DateTimeOffset _lastInboxPurge = DateTimeOffset.MinValue;

    public SeriesDocumentRefresher(ArchiveDatabase database, IndexProjector projector, ISeriesMetadataDocuments documents, IndexerOptions options,
        TimeProvider? clock = null, ILogger<SeriesDocumentRefresher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(projector);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _projector = projector;
        _documents = documents;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<SeriesDocumentRefresher>.Instance;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int rebuilt = 0;
            try
            {
                rebuilt = await RefreshOnceAsync(force: false, stoppingToken).ConfigureAwait(false);
                await PurgeInboxIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is unreachable or a document failed to build: the series stays stale and is tried again.
                LogRoundFailed(e);
            }
            if (rebuilt >= _options.DocumentBatchSize)
                continue;
            try
            {
                await Task.Delay(_options.DocumentPollInterval, _clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PurgeInboxIfDueAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (now - _lastInboxPurge < TimeSpan.FromHours(1))
            return;
        _lastInboxPurge = now;
        await _database.WriteAsync((db, token) => InboxStore.PurgeAsync(db, now - _options.InboxRetention, token), durable: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One round: rebuilds the documents of up to <see cref="IndexerOptions.DocumentBatchSize"/> stale series that are due
    /// (all stale series when <paramref name="force"/>). Returns how many were rebuilt.
    /// </summary>
    public async Task<int> RefreshOnceAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var quietBefore = force ? DateTimeOffset.MaxValue : now - _options.DocumentQuietPeriod;
        var staleBefore = force ? DateTimeOffset.MaxValue : now - _options.DocumentMaxStaleness;
        List<(string Study, string Series, long Revision)> due;
        await using (var db = _database.CreateContext())
        {
            due = (await db.SeriesSummaries.AsNoTracking()
                    .Where(s => s.DocumentStale && (s.UpdatedAt < quietBefore || s.StaleSince < staleBefore))
                    .OrderBy(s => s.UpdatedAt)
                    .Take(_options.DocumentBatchSize)
                    .Select(s => new { s.StudyInstanceUid, s.SeriesInstanceUid, s.Revision })
                    .ToListAsync(cancellationToken).ConfigureAwait(false))
                .Select(s => (s.StudyInstanceUid, s.SeriesInstanceUid, s.Revision)).ToList();
        }

        int rebuilt = 0;
        foreach (var (study, series, revision) in due)
        {
            await _documents.RebuildAsync(study, series, cancellationToken).ConfigureAwait(false);
            bool done = await _projector.UnderStudyLockAsync(study, () => _projector.WithConflictRetriesAsync(() => _database.WriteAsync(
                (db, token) => RecordRebuildAsync(db, study, series, revision, token), _options.DurableCommits, cancellationToken),
                cancellationToken), cancellationToken).ConfigureAwait(false);
            if (done)
                rebuilt++;
        }
        return rebuilt;
    }

    private async Task<bool> RecordRebuildAsync(ArchiveDbContext db, string study, string series, long builtRevision,
        CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var summary = await db.SeriesSummaries.FirstOrDefaultAsync(s => s.SeriesInstanceUid == series, cancellationToken).ConfigureAwait(false);
        if (summary is null)
            return false;
        summary.DocumentRevision = builtRevision;
        summary.DocumentBuiltAt = now;
        // Changed again while the document was being built: stays stale (and keeps its StaleSince) for the next round.
        summary.DocumentStale = summary.Revision != builtRevision;
        if (!summary.DocumentStale)
            summary.StaleSince = null;
        bool removed = summary.NumberOfInstances == 0;
        db.Outbox.Add(OutboxMessageRow.For(new SeriesChanged
        {
            StudyInstanceUid = summary.StudyInstanceUid,
            SeriesInstanceUid = summary.SeriesInstanceUid,
            Modality = summary.Modality,
            NumberOfInstances = summary.NumberOfInstances,
            SizeBytes = summary.SizeBytes,
            LastWatermark = summary.LastWatermark,
            // The aggregates announced are the summary's as of now (it may have moved on while the document was built).
            Revision = summary.Revision,
            Removed = removed,
        }, now));
        if (removed && !summary.DocumentStale)
            db.SeriesSummaries.Remove(summary);

        var studySummary = await db.StudySummaries.FirstOrDefaultAsync(s => s.StudyInstanceUid == summary.StudyInstanceUid, cancellationToken)
            .ConfigureAwait(false);
        // Two series of one study rebuilt in one round announce the same study revision twice: one dedupe key, so
        // consumers apply it once.
        if (studySummary is not null)
        {
            bool studyRemoved = studySummary.NumberOfInstances == 0;
            db.Outbox.Add(OutboxMessageRow.For(new StudyChanged
            {
                StudyInstanceUid = studySummary.StudyInstanceUid,
                NumberOfSeries = studySummary.NumberOfSeries,
                NumberOfInstances = studySummary.NumberOfInstances,
                SizeBytes = studySummary.SizeBytes,
                ModalitiesInStudy = studySummary.ModalitiesInStudy?.Split('\\') ?? [],
                Revision = studySummary.Revision,
                Removed = studyRemoved,
            }, now));
            if (studyRemoved)
                db.StudySummaries.Remove(studySummary);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metadata document round failed; stale series are tried again")]
    private partial void LogRoundFailed(Exception e);
}
