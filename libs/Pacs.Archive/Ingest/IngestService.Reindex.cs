using Microsoft.EntityFrameworkCore;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>What indexing one stored blob did (<see cref="IngestService.IndexStoredBlobAsync"/>).</summary>
public enum StoredBlobOutcome
{
    /// <summary>The blob is now the visible version of its instance (rows created as ingest would have).</summary>
    Indexed,

    /// <summary>The blob is a newer version of an indexed instance: it is now visible, the older one kept as Replaced.</summary>
    Replaced,

    /// <summary>An instance row already names this blob; nothing changed.</summary>
    AlreadyIndexed,

    /// <summary>The visible version of its instance has the same bytes (a leftover copy); not indexed.</summary>
    Duplicate,

    /// <summary>The visible version of its instance is newer (its blob name sorts after this one); not indexed.</summary>
    Older,

    /// <summary>Another store or delete of the instance is in flight; not indexed (try again later).</summary>
    Busy,

    /// <summary>Not a DICOM object the index can hold (unreadable, or a required UID missing): see the reason.</summary>
    Unreadable,
}

/// <summary>The result of indexing one stored blob.</summary>
public sealed record StoredBlobResult(string BlobName, StoredBlobOutcome Outcome, string? Reason = null)
{
    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    public string? SopInstanceUid { get; init; }

    public long? Watermark { get; init; }
}

public sealed partial class IngestService
{
    /// <summary>
    /// Indexes an object that is already in the blob store under <paramref name="blobName"/> — disaster recovery, when the
    /// index is lost and the store is all there is. Reads the blob once (hash, header, frame table), then, in one
    /// transaction, creates the rows exactly as ingest would (patient, study, series, the instance Created, the change feed
    /// row and the outbox event, so the indexer derives its data as usual). The blob is never written, moved or deleted,
    /// and no row is ever left in Creating (the sweeper would delete a Creating row's blob). Blobs of one SOP Instance UID
    /// must be indexed in name order (the store lists them so): blob names are time-ordered, so a later name is a later
    /// version, which replaces the earlier one as the original replacement did.
    /// </summary>
    public async Task<StoredBlobResult> IndexStoredBlobAsync(string blobName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        await using (var lookup = _database.CreateContext())
        {
            if (await lookup.Instances.AnyAsync(i => i.BlobName == blobName, cancellationToken).ConfigureAwait(false))
                return new StoredBlobResult(blobName, StoredBlobOutcome.AlreadyIndexed);
        }

        BlobAccessTier tier;
        PartSpool spool;
        try
        {
            tier = (await _store.GetPropertiesAsync(blobName, cancellationToken).ConfigureAwait(false)).Tier;
            await using var content = await _store.OpenReadAsync(blobName, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The preamble stays as stored: the row's SHA-256 must be the blob's.
            spool = await PartSpool.CreateAsync(content, _options.SpoolMemoryThresholdBytes, _options.SpoolFolderOrDefault, 0, zeroPreamble: false,
                cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return new StoredBlobResult(blobName, StoredBlobOutcome.Unreadable, "The blob was deleted while the index was being rebuilt.");
        }
        catch (BlobArchivedException e)
        {
            return new StoredBlobResult(blobName, StoredBlobOutcome.Unreadable, $"The blob is in the archive tier and must be rehydrated first: {e.Message}");
        }

        using (spool)
        {
            DicomFile file;
            InstanceAttributes a;
            try
            {
                using var stream = spool.OpenRead();
                file = DicomFile.Read(stream, ReadOptions);
                a = InstanceAttributes.Read(file, out var refusal);
                if (refusal is not null)
                    return new StoredBlobResult(blobName, StoredBlobOutcome.Unreadable, refusal.FailureDescription);
            }
            catch (DicomException e)
            {
                return new StoredBlobResult(blobName, StoredBlobOutcome.Unreadable, $"Not readable as DICOM: {e.Message}");
            }
            byte[]? frameTable = FrameTable.Build(file.Dataset, file.TransferSyntax, spool.AsBulkDataSource(), out _);
            return await IndexStoredAsync(blobName, tier, spool, a, frameTable, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Computes the frame byte ranges of an indexed image whose row has none (a row written before frame tables existed,
    /// or indexed without them) from its blob, and stores them. Returns true when a table was stored; false when the row
    /// is gone, is no image, has a table already, or its pixel data has no usable offsets (WADO-RS frames then parse the
    /// object). Never changes anything else of the row.
    /// </summary>
    public async Task<bool> FillFrameTableAsync(long watermark, CancellationToken cancellationToken = default)
    {
        const string FrameTableCandidateSql = "SELECT \"blob_name\" FROM \"instances\" WHERE \"watermark\" = @watermark AND \"status\" = 1 "
            + "AND \"rows\" IS NOT NULL AND \"frame_table\" IS NULL";
        // Asked by the indexer for every instance it projects, and almost always answered "has one already": a plain
        // command, not an EF query (whose translation and materialization cost several times the lookup).
        string? blobName;
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = FrameTableCandidateSql;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@watermark";
            parameter.Value = watermark;
            command.Parameters.Add(parameter);
            blobName = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
        if (blobName is null)
            return false;

        byte[]? frameTable;
        try
        {
            await using var content = await _store.OpenReadAsync(blobName, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var spool = await PartSpool.CreateAsync(content, _options.SpoolMemoryThresholdBytes, _options.SpoolFolderOrDefault, 0,
                zeroPreamble: false, cancellationToken).ConfigureAwait(false);
            using var stream = spool.OpenRead();
            var file = DicomFile.Read(stream, ReadOptions);
            frameTable = FrameTable.Build(file.Dataset, file.TransferSyntax, spool.AsBulkDataSource(), out _);
        }
        catch (BlobNotFoundException)
        {
            return false; // deleted meanwhile
        }
        catch (DicomException)
        {
            return false; // ingest read it once; a blob that no longer parses is the scrub's business, not the indexer's
        }
        if (frameTable is null)
            return false;

        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        await using var db = _database.CreateContext();
        int updated = await db.Instances.Where(i => i.Watermark == watermark && i.FrameTable == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.FrameTable, frameTable), cancellationToken).ConfigureAwait(false);
        return updated > 0;
    }

    private async Task<StoredBlobResult> IndexStoredAsync(string blobName, BlobAccessTier tier, PartSpool spool, InstanceAttributes a, byte[]? frameTable,
        CancellationToken cancellationToken)
    {
        var result = new StoredBlobResult(blobName, StoredBlobOutcome.Indexed)
        {
            StudyInstanceUid = a.StudyInstanceUid,
            SeriesInstanceUid = a.SeriesInstanceUid,
            SopInstanceUid = a.SopInstanceUid,
        };
        for (int conflicts = 0; ; conflicts++)
        {
            try
            {
                using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
                await using var db = _database.CreateContext();
                await _database.SetSqliteSynchronousAsync(db, full: true, cancellationToken).ConfigureAwait(false);
                await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var versions = await db.Instances.AsNoTracking()
                    .Where(i => i.SopInstanceUid == a.SopInstanceUid)
                    .Select(i => new { i.Watermark, i.Version, i.Status, i.Sha256, i.BlobName })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                if (versions.Any(v => v.BlobName == blobName))
                    return result with { Outcome = StoredBlobOutcome.AlreadyIndexed };
                if (versions.Any(v => v.Status is InstanceStatus.Creating or InstanceStatus.Deleting))
                    return result with { Outcome = StoredBlobOutcome.Busy, Reason = $"A store or delete of SOP Instance UID {a.SopInstanceUid} is in progress." };
                var current = versions.FirstOrDefault(v => v.Status == InstanceStatus.Created);
                if (current is not null)
                {
                    if (current.Sha256.AsSpan().SequenceEqual(spool.Sha256))
                        return result with { Outcome = StoredBlobOutcome.Duplicate, Reason = $"Same bytes as the indexed blob {current.BlobName}." };
                    if (string.CompareOrdinal(current.BlobName, blobName) > 0)
                        return result with { Outcome = StoredBlobOutcome.Older, Reason = $"The indexed version {current.BlobName} is newer." };
                }

                var now = _clock.GetUtcNow();
                var (studyRowId, seriesRowId) = await FindOrAddParentsAsync(db, a, now, cancellationToken).ConfigureAwait(false);
                int version = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1;
                var row = NewInstanceRow(a, spool, frameTable, version, InstanceStatus.Created, studyRowId, seriesRowId, blobName, tier, now);
                db.Instances.Add(row);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                if (current is not null)
                {
                    await db.Instances.Where(i => i.Watermark == current.Watermark && i.Status == InstanceStatus.Created)
                        .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Replaced).SetProperty(i => i.UpdatedAt, now), cancellationToken)
                        .ConfigureAwait(false);
                    await ApplyReplacementToParentsAsync(db, row.Watermark, a, cancellationToken).ConfigureAwait(false);
                }
                AnnounceVisible(db, a, current?.Watermark, row.SopClassUid, row.Watermark, version, spool.Length, blobName, now);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result with { Outcome = current is null ? StoredBlobOutcome.Indexed : StoredBlobOutcome.Replaced, Watermark = row.Watermark };
            }
            catch (Exception e) when (DbErrors.IsConflict(e) && conflicts < _options.MaxConflictRetries)
            {
                // A concurrent writer inserted the same patient, study, series or version first: look again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * (conflicts + 1))), _clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
