using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Messaging.Contracts;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// Deletes a study, a series or an instance, every stored version of it: one transaction marks the rows Deleting
/// (invisible from then on) and appends the change feed rows and outbox events; then the blobs are deleted; then the
/// rows, and patients, studies and series left empty. A crash in between leaves Deleting rows, which a repeated
/// delete or <see cref="ArchiveSweeper"/> finishes. Instances still being stored (Creating) are not touched.
/// </summary>
public sealed class DeleteService
{
    private readonly ArchiveDatabase _database;
    private readonly IBlobStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public DeleteService(ArchiveDatabase database, IBlobStore store, TimeProvider? clock = null, ILogger<DeleteService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(store);
        _database = database;
        _store = store;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<DeleteService>.Instance;
    }

    /// <summary>Deletes a study. Returns the number of instances it held (0: nothing to delete, HTTP 404).</summary>
    public Task<int> DeleteStudyAsync(string studyInstanceUid, CancellationToken cancellationToken = default) =>
        DeleteAsync(studyInstanceUid, null, null, cancellationToken);

    /// <summary>Deletes a series of a study. Returns the number of instances it held.</summary>
    public Task<int> DeleteSeriesAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default) =>
        DeleteAsync(studyInstanceUid, seriesInstanceUid ?? throw new ArgumentNullException(nameof(seriesInstanceUid)), null, cancellationToken);

    /// <summary>Deletes one instance (all its versions). Returns 1, or 0 when it is not stored.</summary>
    public Task<int> DeleteInstanceAsync(string studyInstanceUid, string seriesInstanceUid, string sopInstanceUid, CancellationToken cancellationToken = default) =>
        DeleteAsync(studyInstanceUid, seriesInstanceUid ?? throw new ArgumentNullException(nameof(seriesInstanceUid)),
            sopInstanceUid ?? throw new ArgumentNullException(nameof(sopInstanceUid)), cancellationToken);

    private async Task<int> DeleteAsync(string study, string? series, string? sop, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        List<Target> targets;
        int visible;
        await using (var db = _database.CreateContext())
        {
            using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
            // The marking is what the caller is told about: it waits for the disk.
            await _database.SetSqliteSynchronousAsync(db, full: true, cancellationToken).ConfigureAwait(false);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var q = db.Instances.Where(i => i.Study.StudyInstanceUid == study
                && (i.Status == InstanceStatus.Created || i.Status == InstanceStatus.Replaced || i.Status == InstanceStatus.Deleting));
            if (series is not null)
                q = q.Where(i => i.Series.SeriesInstanceUid == series);
            if (sop is not null)
                q = q.Where(i => i.SopInstanceUid == sop);
            targets = await q.Select(i => new Target(i.Watermark, i.SopInstanceUid, i.Version, i.Status, i.BlobName, i.SopClassUid, i.SizeBytes,
                    i.Study.StudyInstanceUid, i.Series.SeriesInstanceUid, i.SeriesRowId, i.StudyRowId, i.Study.PatientRowId))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (targets.Count == 0)
                return 0;

            var now = _clock.GetUtcNow();
            var marking = targets.Where(t => t.Status != InstanceStatus.Deleting).Select(t => t.Watermark).ToArray();
            await db.Instances.Where(i => marking.Contains(i.Watermark) && (i.Status == InstanceStatus.Created || i.Status == InstanceStatus.Replaced))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Deleting).SetProperty(i => i.UpdatedAt, now), cancellationToken)
                .ConfigureAwait(false);
            // One event per instance that was visible; an interrupted earlier delete already announced the rest.
            var announced = targets.Where(t => t.Status == InstanceStatus.Created).ToList();
            foreach (var t in announced)
            {
                db.ChangeFeed.Add(new ChangeFeedRow
                {
                    Timestamp = now,
                    Action = ChangeFeedAction.Deleted,
                    StudyInstanceUid = t.Study,
                    SeriesInstanceUid = t.Series,
                    SopInstanceUid = t.SopInstanceUid,
                    Watermark = t.Watermark,
                    Version = t.Version,
                });
                db.Outbox.Add(OutboxMessageRow.For(new InstanceDeleted
                {
                    StudyInstanceUid = t.Study,
                    SeriesInstanceUid = t.Series,
                    SopInstanceUid = t.SopInstanceUid,
                    SopClassUid = t.SopClassUid,
                    Watermark = t.Watermark,
                    Version = t.Version,
                    SizeBytes = t.SizeBytes,
                    BlobName = t.BlobName,
                }, now));
            }
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            visible = targets.Where(t => t.Status != InstanceStatus.Replaced).Select(t => t.SopInstanceUid).Distinct(StringComparer.Ordinal).Count();
        }

        await FinishAsync(_database, _store, targets.Select(t => (t.Watermark, t.BlobName)).ToList(), cancellationToken).ConfigureAwait(false);
        await RemoveEmptyParentsAsync(_database, targets.Select(t => t.SeriesRowId), targets.Select(t => t.StudyRowId),
            targets.Select(t => t.PatientRowId), _logger, cancellationToken).ConfigureAwait(false);
        return visible;
    }

    private sealed record Target(long Watermark, string SopInstanceUid, int Version, InstanceStatus Status, string BlobName, string SopClassUid,
        long SizeBytes, string Study, string Series, long SeriesRowId, long StudyRowId, long PatientRowId);

    /// <summary>Deletes the blobs of Deleting rows, then the rows. A blob already gone is fine (a repeated delete).</summary>
    internal static async Task FinishAsync(ArchiveDatabase database, IBlobStore store, IReadOnlyList<(long Watermark, string BlobName)> rows,
        CancellationToken cancellationToken)
    {
        foreach (var (_, blobName) in rows)
            await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
        var watermarks = rows.Select(r => r.Watermark).ToArray();
        await using var db = database.CreateContext();
        using var writer = await database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in watermarks.Chunk(500))
        {
            await db.Instances.Where(i => chunk.Contains(i.Watermark) && i.Status == InstanceStatus.Deleting)
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes series, studies and patients that no longer have any instance row (of any status). A concurrent ingest
    /// that attaches to one of them at the same moment makes the delete fail on the foreign key, which is fine: the row
    /// is not empty any more.
    /// </summary>
    internal static async Task RemoveEmptyParentsAsync(ArchiveDatabase database, IEnumerable<long> seriesIds, IEnumerable<long> studyIds,
        IEnumerable<long> patientIds, ILogger logger, CancellationToken cancellationToken)
    {
        var series = seriesIds.Distinct().ToArray();
        var studies = studyIds.Distinct().ToArray();
        var patients = patientIds.Distinct().ToArray();
        await using var db = database.CreateContext();
        IQueryable<InstanceRow> instances = db.Instances;
        IQueryable<SeriesRow> allSeries = db.Series;
        IQueryable<StudyRow> allStudies = db.Studies;
        using var writer = await database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await db.Series.Where(se => series.Contains(se.Id) && !instances.Any(i => i.SeriesRowId == se.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.Studies.Where(s => studies.Contains(s.Id) && !allSeries.Any(se => se.StudyRowId == s.Id) && !instances.Any(i => i.StudyRowId == s.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.Patients.Where(p => patients.Contains(p.Id) && !allStudies.Any(s => s.PatientRowId == p.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsConflict(e))
        {
            logger.LogInformation("An emptied series, study or patient was reused by a concurrent ingest; it stays.");
        }
    }
}
