using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>Settings of one sweep.</summary>
public sealed record SweepOptions
{
    /// <summary>
    /// A row still Creating after this long belongs to an ingest that died (the process was killed between reserving
    /// and committing): it and its blob are removed. Must exceed the longest upload. Default 6 hours.
    /// </summary>
    public TimeSpan StaleCreatingAfter { get; init; } = TimeSpan.FromHours(6);

    /// <summary>A row still Deleting after this long belongs to a delete that died; it is finished. Default 5 minutes.</summary>
    public TimeSpan StaleDeletingAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Series, studies and patients with no instance row, created longer ago than this, are removed. Default 1 hour.</summary>
    public TimeSpan EmptyParentAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Whether to list the store and delete blobs no row names (costly: one listing of every blob). Default false.</summary>
    public bool ScanOrphanBlobs { get; init; }

    /// <summary>An unreferenced blob younger than this is left alone (it may belong to an ingest being compensated). Default 1 hour.</summary>
    public TimeSpan OrphanBlobGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// When set, the store's temporary files last written longer ago than this are removed
    /// (<see cref="IBlobStore.RemoveStaleTemporaryFilesAsync"/>: what a put killed mid-way leaves; the file store walks
    /// every shard folder for them). Must exceed the longest put when ingests may be running. Default null: not swept.
    /// </summary>
    public TimeSpan? TemporaryFilesAfter { get; init; }
}

/// <summary>What a sweep removed.</summary>
public sealed record SweepReport(int StaleCreatingRemoved, int DeletesFinished, int EmptyParentsRemoved, int OrphanBlobsDeleted)
{
    /// <summary>Temporary files of the store removed (<see cref="SweepOptions.TemporaryFilesAfter"/>).</summary>
    public int TemporaryFilesRemoved { get; init; }
}

/// <summary>
/// Clears what crashes leave behind: Creating rows of ingests that never committed (row first, then its blob, so a
/// blob that a Created row names is never deleted), Deleting rows of interrupted deletes, empty series, studies and
/// patients, and optionally blobs no row names. Safe to run while ingests run; the host runs it periodically and at
/// startup.
/// </summary>
public sealed class ArchiveSweeper
{
    private const int Batch = 500;

    private readonly ArchiveDatabase _database;
    private readonly IBlobStore _store;
    private readonly ArchiveOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public ArchiveSweeper(ArchiveDatabase database, IBlobStore store, ArchiveOptions options, TimeProvider? clock = null, ILogger<ArchiveSweeper>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _store = store;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ArchiveSweeper>.Instance;
    }

    public async Task<SweepReport> SweepAsync(SweepOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SweepOptions();
        var now = _clock.GetUtcNow();
        int creating = await RemoveStaleCreatingAsync(now - options.StaleCreatingAfter, cancellationToken).ConfigureAwait(false);
        int deleting = await FinishStaleDeletesAsync(now - options.StaleDeletingAfter, cancellationToken).ConfigureAwait(false);
        int parents = await RemoveEmptyParentsAsync(now - options.EmptyParentAfter, cancellationToken).ConfigureAwait(false);
        int orphans = options.ScanOrphanBlobs ? await DeleteOrphanBlobsAsync(now - options.OrphanBlobGrace, cancellationToken).ConfigureAwait(false) : 0;
        int temporary = options.TemporaryFilesAfter is { } age
            ? await _store.RemoveStaleTemporaryFilesAsync(age, cancellationToken).ConfigureAwait(false)
            : 0;
        if (creating + deleting + parents + orphans + temporary > 0)
        {
            _logger.LogInformation("Sweep removed {Creating} stale Creating rows, finished {Deleting} deletes, removed {Parents} empty parents, {Orphans} orphan blobs and {Temporary} temporary files",
                creating, deleting, parents, orphans, temporary);
        }
        return new SweepReport(creating, deleting, parents, orphans) { TemporaryFilesRemoved = temporary };
    }

    private async Task<int> RemoveStaleCreatingAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        int removed = 0;
        while (true)
        {
            await using var db = _database.CreateContext();
            var stale = await db.Instances.AsNoTracking()
                .Where(i => i.Status == InstanceStatus.Creating && i.UpdatedAt < cutoff)
                .OrderBy(i => i.Watermark).Take(Batch)
                .Select(i => new { i.Watermark, i.BlobName })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (stale.Count == 0)
                return removed;
            foreach (var row in stale)
            {
                // Row first: if the ingest commits at this very moment, the conditional delete finds it Created and the blob stays.
                int gone;
                using (await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false))
                {
                    gone = await db.Instances.Where(i => i.Watermark == row.Watermark && i.Status == InstanceStatus.Creating)
                        .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                }
                if (gone == 0)
                    continue;
                await _store.DeleteAsync(row.BlobName, cancellationToken).ConfigureAwait(false);
                removed++;
            }
            if (stale.Count < Batch)
                return removed;
        }
    }

    private async Task<int> FinishStaleDeletesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        int finished = 0;
        while (true)
        {
            List<(long, string)> rows;
            await using (var db = _database.CreateContext())
            {
                rows = (await db.Instances.AsNoTracking()
                        .Where(i => i.Status == InstanceStatus.Deleting && i.UpdatedAt < cutoff)
                        .OrderBy(i => i.Watermark).Take(Batch)
                        .Select(i => new { i.Watermark, i.BlobName })
                        .ToListAsync(cancellationToken).ConfigureAwait(false))
                    .Select(r => (r.Watermark, r.BlobName)).ToList();
            }
            if (rows.Count == 0)
                return finished;
            await DeleteService.FinishAsync(_database, _store, rows, cancellationToken).ConfigureAwait(false);
            finished += rows.Count;
            if (rows.Count < Batch)
                return finished;
        }
    }

    private async Task<int> RemoveEmptyParentsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        IQueryable<InstanceRow> instances = db.Instances;
        IQueryable<SeriesRow> allSeries = db.Series;
        IQueryable<StudyRow> allStudies = db.Studies;
        int removed = 0;
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            removed += await db.Series.Where(se => se.CreatedAt < cutoff && !instances.Any(i => i.SeriesRowId == se.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            removed += await db.Studies.Where(s => s.CreatedAt < cutoff && !allSeries.Any(se => se.StudyRowId == s.Id) && !instances.Any(i => i.StudyRowId == s.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            removed += await db.Patients.Where(p => p.CreatedAt < cutoff && !allStudies.Any(s => s.PatientRowId == p.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsConflict(e))
        {
            _logger.LogInformation("An empty series, study or patient was reused by a concurrent ingest during the sweep; it stays.");
        }
        return removed;
    }

    private async Task<int> DeleteOrphanBlobsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        int deleted = 0;
        string? token = null;
        do
        {
            var page = await _store.ListPageAsync(_options.BlobPrefix + "/", token, Batch, cancellationToken).ConfigureAwait(false);
            token = page.ContinuationToken;
            var names = page.Items.Where(b => b.CreatedOn < cutoff).Select(b => b.Name).ToArray();
            if (names.Length == 0)
                continue;
            HashSet<string> referenced;
            await using (var db = _database.CreateContext())
            {
                referenced = (await db.Instances.Where(i => names.Contains(i.BlobName)).Select(i => i.BlobName)
                    .ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            }
            foreach (string name in names.Where(n => !referenced.Contains(n)))
            {
                if (await _store.DeleteAsync(name, cancellationToken).ConfigureAwait(false))
                    deleted++;
            }
        }
        while (token is not null);
        return deleted;
    }
}
