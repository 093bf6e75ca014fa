using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// Stores one DICOM object (a STOW-RS part, a C-STORE data set) durably and indexes it:
/// <list type="number">
/// <item>spool the part, hashing it (<see cref="PartSpool"/>); parse the header from the spool and validate it;</item>
/// <item>reserve: one transaction inserts the patient, study and series rows if new and the instance row in status
/// Creating with a new watermark and a new blob name (a concurrent ingest that wins a unique-key race makes this one
/// retry, which is how studies arriving in pieces over many connections merge by UID);</item>
/// <item>put the blob under its new immutable name;</item>
/// <item>commit: one transaction marks the row Created, appends the change feed row and the outbox event.</item>
/// </list>
/// Success is returned only after step 4 committed. A failure after step 2 is compensated (the Creating row removed,
/// then its blob); whatever a crash leaves behind is a Creating row or an unreferenced blob, which
/// <see cref="ArchiveSweeper"/> removes. A refused part never writes a row or a blob.
/// </summary>
public sealed partial class IngestService
{
    private static readonly DicomReadOptions ReadOptions = new() { BulkDataThresholdBytes = 16 * 1024 };
    private static readonly TimeSpan CompensationTimeout = TimeSpan.FromSeconds(30);

    private readonly ArchiveDatabase _database;
    private readonly IBlobStore _store;
    private readonly ArchiveOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private long _conflictRetries;

    /// <summary>Reservations retried because a concurrent ingest won a unique-key race (for tests and metrics).</summary>
    internal long ConflictRetries => Interlocked.Read(ref _conflictRetries);

    public IngestService(ArchiveDatabase database, IBlobStore store, ArchiveOptions options, TimeProvider? clock = null,
        ILogger<IngestService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _store = store;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<IngestService>.Instance;
    }

    /// <summary>
    /// Reads <paramref name="dicomPart"/> to its end (not disposed) and stores it. Refusals (unreadable, missing UIDs,
    /// wrong study, duplicate, storage or index failure) come back as <see cref="IngestOutcome.Refused"/> with a PS3.18
    /// failure reason; an exception means the request itself failed (reading <paramref name="dicomPart"/> threw, or the
    /// call was cancelled) and nothing was stored.
    /// </summary>
    public async Task<IngestResult> IngestAsync(Stream dicomPart, IngestOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stored = await BeginIngestAsync(dicomPart, options, cancellationToken).ConfigureAwait(false);
        return await stored.ConfigureAwait(false);
    }

    /// <summary>
    /// Reads <paramref name="dicomPart"/> to its end (not disposed) and returns once it is read, with a task that
    /// completes when the part is stored (or refused), as <see cref="IngestAsync"/> would answer. The caller may read
    /// and begin the next part meanwhile: the parts of one request then share the index's group commits instead of
    /// each waiting for its own. The returned task must be awaited (it owns the spooled copy of the part). Exceptions
    /// of reading the part come from this call; cancellation may also end the returned task.
    /// </summary>
    public async Task<Task<IngestResult>> BeginIngestAsync(Stream dicomPart, IngestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dicomPart);
        var activity = ArchiveTelemetry.ActivitySource.StartActivity("ingest");
        long started = _clock.GetTimestamp();
        PartSpool spool;
        try
        {
            spool = await PartSpool.CreateAsync(dicomPart, _options.SpoolMemoryThresholdBytes, _options.SpoolFolderOrDefault,
                _options.MaxPartSizeBytes, _options.ZeroPreamble, cancellationToken).ConfigureAwait(false);
        }
        catch (PartTooLargeException e)
        {
            var refused = IngestResult.Refuse(StoreFailureReasons.OutOfResources, e.Message);
            ArchiveTelemetry.Record(refused, _clock.GetElapsedTime(started), activity);
            activity?.Dispose();
            return Task.FromResult(refused);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }
        return FinishIngestAsync(spool, options ?? IngestOptions.Default, activity, started, cancellationToken);
    }

    private async Task<IngestResult> FinishIngestAsync(PartSpool spool, IngestOptions options, System.Diagnostics.Activity? activity,
        long started, CancellationToken cancellationToken)
    {
        try
        {
            var result = await IngestSpooledAsync(spool, options, cancellationToken).ConfigureAwait(false);
            ArchiveTelemetry.Record(result, _clock.GetElapsedTime(started), activity);
            return result;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private async Task<IngestResult> IngestSpooledAsync(PartSpool spool, IngestOptions options, CancellationToken cancellationToken)
    {
        using (spool)
        {
            DicomFile file;
            try
            {
                using var stream = spool.OpenRead();
                file = DicomFile.Read(stream, ReadOptions);
            }
            catch (DicomException e)
            {
                return IngestResult.Refuse(StoreFailureReasons.CannotUnderstand, $"The part cannot be read as DICOM: {e.Message}", sizeBytes: spool.Length);
            }

            InstanceAttributes attributes;
            IngestResult? refusal;
            try
            {
                attributes = InstanceAttributes.Read(file, out refusal);
            }
            catch (DicomException e)
            {
                return IngestResult.Refuse(StoreFailureReasons.CannotUnderstand, $"The header cannot be indexed: {e.Message}",
                    InstanceAttributes.UidsOf(file), spool.Length);
            }
            if (refusal is not null)
                return refusal with { SizeBytes = spool.Length };
            if (options.ExpectedStudyInstanceUid is { } expected && expected != attributes.StudyInstanceUid)
            {
                return IngestResult.Refuse(StoreFailureReasons.StudyInstanceUidMismatch,
                    $"Study Instance UID (0020,000D) '{attributes.StudyInstanceUid}' differs from '{expected}' of the request.", attributes, spool.Length);
            }

            if (_options.ValidationPolicy == IngestValidationPolicy.Strict)
            {
                IngestDefect? defect;
                try
                {
                    defect = IngestValidator.Validate(file, spool.AsBulkDataSource());
                }
                catch (DicomException e)
                {
                    defect = new IngestDefect(StoreFailureReasons.CannotUnderstand, $"The object cannot be checked: {e.Message}");
                }
                if (defect is not null)
                {
                    return IngestResult.Refuse(defect.Reason, $"Refused by the strict ingest policy: {defect.Description}",
                        attributes, spool.Length);
                }
            }

            var warnings = new List<IngestWarning>();
            if (InstanceAttributes.Inconsistency(file) is { } inconsistency)
                warnings.Add(inconsistency);
            if (spool.PreambleZeroed)
                warnings.Add(new IngestWarning(StoreWarningReasons.CoercionOfDataElements, "The 128-byte preamble was not zero; it was zeroed before storing."));
            byte[]? frameTable = FrameTable.Build(file.Dataset, file.TransferSyntax, spool.AsBulkDataSource(), out string? frameWarning);
            if (frameWarning is not null)
                warnings.Add(new IngestWarning(StoreWarningReasons.ElementsDiscarded, frameWarning));

            var policy = options.DuplicatePolicy ?? _options.DuplicatePolicy;
            return await StoreAsync(spool, attributes, frameTable, policy, warnings, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IngestResult> StoreAsync(PartSpool spool, InstanceAttributes attributes, byte[]? frameTable, DuplicatePolicy policy,
        List<IngestWarning> warnings, CancellationToken cancellationToken)
    {
        Reservation reservation;
        try
        {
            using var reserveActivity = ArchiveTelemetry.ActivitySource.StartActivity("ingest reserve");
            var reserved = await ReserveAsync(attributes, spool, frameTable, policy, cancellationToken).ConfigureAwait(false);
            if (reserved.Result is { } early)
                return early with { Warnings = [.. early.Warnings, .. warnings] };
            reservation = reserved.Reservation!;
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            _logger.LogError(e, "Reserving {SopInstanceUid} in the index failed", attributes.SopInstanceUid);
            return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure, $"The index could not be updated: {e.Message}", attributes, spool.Length);
        }

        try
        {
            using var putActivity = ArchiveTelemetry.ActivitySource.StartActivity("ingest blob put");
            using var content = spool.OpenRead();
            // Hashed once, while spooling: a store may take the digest rather than hash the same bytes again. The check
            // below still compares what the store reports.
            string sha256 = Convert.ToHexStringLower(spool.Sha256);
            var put = await _store.PutAsync(reservation.BlobName, content,
                new BlobPutOptions { ContentType = "application/dicom", Tier = _options.InitialTier, Sha256 = sha256 },
                cancellationToken).ConfigureAwait(false);
            if (!string.Equals(put.Sha256, sha256, StringComparison.Ordinal) || put.SizeBytes != spool.Length)
            {
                await CompensateAsync(reservation).ConfigureAwait(false);
                return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure,
                    $"The stored object '{reservation.BlobName}' does not match the bytes received (SHA-256 or size differs).", attributes, spool.Length);
            }
        }
        catch (Exception e) when (e is BlobStoreException or IOException or OperationCanceledException)
        {
            await CompensateAsync(reservation).ConfigureAwait(false);
            if (e is OperationCanceledException)
                throw;
            _logger.LogError(e, "Storing {BlobName} failed", reservation.BlobName);
            return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure, $"The object could not be stored: {e.Message}", attributes, spool.Length);
        }

        using var commitActivity = ArchiveTelemetry.ActivitySource.StartActivity("ingest commit");
        return await CommitAsync(reservation, attributes, spool.Length, warnings).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ reserve

    private sealed record Reservation(long Watermark, int Version, string BlobName, long? ReplacingWatermark, string SopClassUid);

    private readonly record struct Reserved(Reservation? Reservation, IngestResult? Result);

    private async Task<Reserved> ReserveAsync(InstanceAttributes a, PartSpool spool, byte[]? frameTable, DuplicatePolicy policy,
        CancellationToken cancellationToken)
    {
        var waitUntil = _clock.GetUtcNow().AddMilliseconds(_options.ConcurrentStoreWaitMilliseconds);
        int conflicts = 0;
        int delayMs = 10;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // Group commit: the reservation shares its transaction with whatever else is waiting to be written. It
                // need not wait for the disk: the acknowledging commit later makes it durable too.
                // Replayable: the attempt reads and writes only the index (a replay draws a fresh blob name), and writes
                // nothing unless it reserves, so it needs no savepoint of its own.
                var attempt = await _database.GroupCommit.RunReplayableAsync(
                    (session, ct) => TryReserveAsync(session, a, spool, frameTable, policy, ct),
                    durable: false, keep: null, cancellationToken).ConfigureAwait(false);
                if (!attempt.Busy)
                    return attempt.Reserved;
                // Another store or delete of this SOP Instance UID is in flight: its outcome decides ours.
                if (_clock.GetUtcNow() >= waitUntil)
                {
                    return new Reserved(null, IngestResult.Refuse(StoreFailureReasons.ProcessingFailure,
                        $"Another store or delete of SOP Instance UID {a.SopInstanceUid} is in progress; try again later.", a, spool.Length));
                }
                await Task.Delay(TimeSpan.FromMilliseconds(delayMs), _clock, cancellationToken).ConfigureAwait(false);
                delayMs = Math.Min(delayMs * 2, 250);
            }
            catch (Exception e) when (DbErrors.IsConflict(e) && conflicts < _options.MaxConflictRetries)
            {
                // A concurrent ingest inserted the same patient, study, series or version first: look again.
                conflicts++;
                Interlocked.Increment(ref _conflictRetries);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * conflicts)), _clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private readonly record struct ReserveAttempt(Reserved Reserved, bool Busy);

    /// <summary>
    /// One reservation attempt, inside a group-commit transaction. The common case — a new instance of a known series —
    /// is one lookup (versions and series together) and one insert returning the watermark, both hand-written
    /// (<see cref="IngestStatements"/>); a new series (and study, patient) goes through EF.
    /// </summary>
    private async Task<ReserveAttempt> TryReserveAsync(GroupCommit.Session session, InstanceAttributes a, PartSpool spool, byte[]? frameTable,
        DuplicatePolicy policy, CancellationToken cancellationToken)
    {
        var lookup = await IngestStatements.LookupAsync(session, a.SopInstanceUid!, a.SeriesInstanceUid!, cancellationToken).ConfigureAwait(false);
        var versions = lookup.Versions;

        IngestStatements.StoredVersion? current = null;
        int version = 1;
        if (versions is not null)
        {
            foreach (var v in versions)
            {
                if (v.Status is InstanceStatus.Creating or InstanceStatus.Deleting)
                    return new ReserveAttempt(default, Busy: true);
                if (v.Status == InstanceStatus.Created && current is null)
                    current = v;
                version = Math.Max(version, v.Version + 1);
            }
        }

        long? replacing = null;
        if (current is { } stored)
        {
            if (stored.Sha256.AsSpan().SequenceEqual(spool.Sha256))
            {
                return new ReserveAttempt(new Reserved(null, new IngestResult
                {
                    Outcome = IngestOutcome.AlreadyStored,
                    SopClassUid = a.SopClassUid,
                    SopInstanceUid = a.SopInstanceUid,
                    StudyInstanceUid = a.StudyInstanceUid,
                    SeriesInstanceUid = a.SeriesInstanceUid,
                    Watermark = stored.Watermark,
                    Version = stored.Version,
                    SizeBytes = spool.Length,
                    Warnings = [new IngestWarning(StoreWarningReasons.DuplicateInstance,
                        $"SOP Instance UID {a.SopInstanceUid} is already stored with identical content; nothing new was written.")],
                }), Busy: false);
            }
            if (policy == DuplicatePolicy.Reject)
            {
                return new ReserveAttempt(new Reserved(null, IngestResult.Refuse(StoreFailureReasons.SopInstanceAlreadyExists,
                    $"SOP Instance UID {a.SopInstanceUid} is already stored with different content (SHA-256 differs); the duplicate policy refuses replacing it.",
                    a, spool.Length)), Busy: false);
            }
            replacing = stored.Watermark;
        }

        var now = _clock.GetUtcNow();
        var (studyRowId, seriesRowId) = lookup.SeriesKnown
            ? (lookup.StudyRowId, lookup.SeriesRowId)
            : await AddParentsAsync(session.Db, a, now, cancellationToken).ConfigureAwait(false);
        // A fresh time-ordered name per version: never reused, even if a failed attempt left its blob behind.
        var row = NewInstanceRow(a, spool, frameTable, version, InstanceStatus.Creating, studyRowId, seriesRowId,
            BlobNames.Unique($"{_options.BlobPrefix}/{a.SopInstanceUid}", _clock), _options.InitialTier, now);
        long watermark = await IngestStatements.InsertInstanceAsync(session, row, cancellationToken).ConfigureAwait(false);
        return new ReserveAttempt(new Reserved(new Reservation(watermark, version, row.BlobName, replacing, row.SopClassUid), null), Busy: false);
    }

    private static InstanceRow NewInstanceRow(InstanceAttributes a, PartSpool spool, byte[]? frameTable, int version, InstanceStatus status,
        long studyRowId, long seriesRowId, string blobName, BlobAccessTier tier, DateTimeOffset now) => new()
        {
            SopInstanceUid = a.SopInstanceUid!,
            Version = version,
            Status = status,
            SeriesRowId = seriesRowId,
            StudyRowId = studyRowId,
            SopClassUid = a.SopClassUid!,
            InstanceNumber = a.InstanceNumber,
            AcquisitionDateTime = a.AcquisitionDateTime,
            Rows = a.Rows,
            Columns = a.Columns,
            BitsAllocated = a.BitsAllocated,
            NumberOfFrames = a.NumberOfFrames,
            TransferSyntaxUid = a.TransferSyntaxUid,
            Sha256 = spool.Sha256,
            SizeBytes = spool.Length,
            BlobName = blobName,
            StorageTier = tier,
            FrameTable = frameTable,
            Attributes = a.InstanceLevelAttributes,
            CreatedAt = now,
            UpdatedAt = now,
        };

    /// <summary>
    /// The study and series rows of the instance, inserted when new (EF; the rebuild from blobs). The common case —
    /// another instance of a known series — costs one lookup.
    /// </summary>
    private static async Task<(long StudyRowId, long SeriesRowId)> FindOrAddParentsAsync(ArchiveDbContext db, InstanceAttributes a, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var series = await db.Series.Where(s => s.SeriesInstanceUid == a.SeriesInstanceUid).Select(s => new { s.Id, s.StudyRowId })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (series is not null)
            return (series.StudyRowId, series.Id);
        return await AddParentsAsync(db, a, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The study and series rows of an instance whose series is not in the index yet (the caller looked): the series is
    /// inserted, and its study too when new; the patient is looked at only when the study is new.
    /// </summary>
    private static async Task<(long StudyRowId, long SeriesRowId)> AddParentsAsync(ArchiveDbContext db, InstanceAttributes a, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        long? studyRowId = await db.Studies.Where(s => s.StudyInstanceUid == a.StudyInstanceUid).Select(s => (long?)s.Id)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (studyRowId is null)
        {
            long patientRowId = await FindOrAddPatientAsync(db, a, now, cancellationToken).ConfigureAwait(false);
            var study = new StudyRow { StudyInstanceUid = a.StudyInstanceUid!, PatientRowId = patientRowId, Attributes = a.StudyAttributes, CreatedAt = now };
            ApplyStudy(study, a);
            db.Studies.Add(study);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            studyRowId = study.Id;
        }
        return (studyRowId.Value, await AddSeriesAsync(db, a, studyRowId.Value, now, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<long> FindOrAddPatientAsync(ArchiveDbContext db, InstanceAttributes a, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long? id = await db.Patients.Where(p => p.PatientKey == a.PatientKey).Select(p => (long?)p.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (id is { } existing)
            return existing;
        var row = new PatientRow { PatientKey = a.PatientKey, Attributes = a.PatientAttributes, CreatedAt = now };
        ApplyPatient(row, a);
        db.Patients.Add(row);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return row.Id;
    }

    private static async Task<long> AddSeriesAsync(ArchiveDbContext db, InstanceAttributes a, long studyRowId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Looked up by the caller: a series inserted meanwhile by a concurrent ingest makes this insert fail, and the
        // reservation is retried.
        var row = new SeriesRow { SeriesInstanceUid = a.SeriesInstanceUid!, StudyRowId = studyRowId, Attributes = a.SeriesAttributes, CreatedAt = now };
        ApplySeries(row, a);
        AddRequestItems(row, a);
        db.Series.Add(row);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return row.Id;
    }

    private static void AddRequestItems(SeriesRow row, InstanceAttributes a)
    {
        foreach (var (scheduled, requested) in a.RequestItems)
            row.RequestAttributes.Add(new RequestAttributesRow { ScheduledProcedureStepId = scheduled, RequestedProcedureId = requested });
    }

    private static void ApplyPatient(PatientRow row, InstanceAttributes a)
    {
        row.PatientId = a.PatientId;
        row.IssuerOfPatientId = a.IssuerOfPatientId;
        row.PatientName = a.PatientName;
        row.PatientNameFuzzy = PersonNameMatching.Normalize(a.PatientName);
        row.PatientBirthDate = a.PatientBirthDate;
        row.PatientSex = a.PatientSex;
        row.Attributes = a.PatientAttributes;
    }

    private static void ApplyStudy(StudyRow row, InstanceAttributes a)
    {
        row.StudyDate = a.StudyDate;
        row.StudyTime = a.StudyTime;
        row.StudyDateTime = a.StudyDateTime;
        row.AccessionNumber = a.AccessionNumber;
        row.ReferringPhysicianName = a.ReferringPhysicianName;
        row.ReferringPhysicianNameFuzzy = PersonNameMatching.Normalize(a.ReferringPhysicianName);
        row.StudyId = a.StudyId;
        row.StudyDescription = a.StudyDescription;
        row.Attributes = a.StudyAttributes;
    }

    private static void ApplySeries(SeriesRow row, InstanceAttributes a)
    {
        row.Modality = a.Modality;
        row.SeriesNumber = a.SeriesNumber;
        row.SeriesDescription = a.SeriesDescription;
        row.BodyPartExamined = a.BodyPartExamined;
        row.PerformedProcedureStepStartDate = a.PerformedProcedureStepStartDate;
        row.PerformedProcedureStepStartTime = a.PerformedProcedureStepStartTime;
        row.Attributes = a.SeriesAttributes;
    }

    // ------------------------------------------------------------------ commit

    private enum CommitState
    {
        Committed,
        ReservationGone,
        ReplacedMeanwhile,
    }

    private async Task<IngestResult> CommitAsync(Reservation r, InstanceAttributes a, long sizeBytes, List<IngestWarning> warnings)
    {
        // Not cancellable: once the blob is durable, finishing is cheaper and safer than undoing.
        var cancellationToken = CancellationToken.None;
        try
        {
            // Group commit: the acknowledging commit waits for the disk (and with it every reservation before it in the
            // log), shared with every other unit that queued meanwhile.
            // The event is built here, on the request's flow: its payload is serialized off the single writer loop, and
            // the trace context captured is the request's (the loop runs under no request's activity).
            var outbox = OutboxMessageRow.For(InstanceEvents.Announce(r.ReplacingWatermark, a.StudyInstanceUid!, a.SeriesInstanceUid!,
                a.SopInstanceUid!, r.SopClassUid, r.Watermark, r.Version, sizeBytes, r.BlobName), default);
            // Replayable: it only reads and writes the index. Kept unless the replaced version changed meanwhile (the
            // only case that wrote something to undo); a reservation found gone wrote nothing.
            var state = await _database.GroupCommit.RunReplayableAsync((session, ct) => MarkCreatedAsync(session, r, a, sizeBytes, outbox, ct),
                durable: true, keep: s => s != CommitState.ReplacedMeanwhile, cancellationToken).ConfigureAwait(false);
            if (state == CommitState.ReservationGone)
            {
                await CompensateAsync(r).ConfigureAwait(false);
                return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure,
                    $"The reservation of SOP Instance UID {a.SopInstanceUid} was removed before the store finished (the sweeper judged it stale).", a, sizeBytes);
            }
            if (state == CommitState.ReplacedMeanwhile)
            {
                await CompensateAsync(r).ConfigureAwait(false);
                return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure,
                    $"The stored version of SOP Instance UID {a.SopInstanceUid} was deleted or replaced while this one was being stored.", a, sizeBytes);
            }
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e) || e is ObjectDisposedException)
        {
            _logger.LogError(e, "Committing {SopInstanceUid} (watermark {Watermark}) failed", a.SopInstanceUid, r.Watermark);
            // The commit may have happened before the failure was seen: CompensateAsync tells.
            if (!await CompensateAsync(r).ConfigureAwait(false))
                return IngestResult.Refuse(StoreFailureReasons.ProcessingFailure, $"The index could not be updated: {e.Message}", a, sizeBytes);
        }

        return new IngestResult
        {
            Outcome = r.ReplacingWatermark is null ? IngestOutcome.Stored : IngestOutcome.Replaced,
            SopClassUid = a.SopClassUid,
            SopInstanceUid = a.SopInstanceUid,
            StudyInstanceUid = a.StudyInstanceUid,
            SeriesInstanceUid = a.SeriesInstanceUid,
            Watermark = r.Watermark,
            Version = r.Version,
            SizeBytes = sizeBytes,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The acknowledging writes of one instance, inside a group-commit transaction: Created, change feed, outbox. A new
    /// instance takes one hand-written statement (<see cref="IngestStatements.MarkCreatedAsync"/>); a replacement, rare,
    /// goes through EF (it also retires the old version and corrects the parents).
    /// </summary>
    private async Task<CommitState> MarkCreatedAsync(GroupCommit.Session session, Reservation r, InstanceAttributes a, long sizeBytes, OutboxMessageRow outbox,
        CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (r.ReplacingWatermark is null)
        {
            outbox.CreatedAt = now;
            bool marked = await IngestStatements.MarkCreatedAsync(session, r.Watermark, r.Version, a.StudyInstanceUid!, a.SeriesInstanceUid!,
                a.SopInstanceUid!, outbox, cancellationToken).ConfigureAwait(false);
            return marked ? CommitState.Committed : CommitState.ReservationGone;
        }

        var db = session.Db;
        int markedCreated = await db.Instances
            .Where(i => i.Watermark == r.Watermark && i.Status == InstanceStatus.Creating)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Created).SetProperty(i => i.UpdatedAt, now), cancellationToken)
            .ConfigureAwait(false);
        if (markedCreated == 0)
            return CommitState.ReservationGone;
        int replaced = await db.Instances
            .Where(i => i.Watermark == r.ReplacingWatermark.Value && i.Status == InstanceStatus.Created)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.Replaced).SetProperty(i => i.UpdatedAt, now), cancellationToken)
            .ConfigureAwait(false);
        if (replaced == 0)
            return CommitState.ReplacedMeanwhile;
        await ApplyReplacementToParentsAsync(db, r.Watermark, a, cancellationToken).ConfigureAwait(false);
        // A fresh row per run: a replayed unit must not find the one of its undone run tracked or keyed.
        AnnounceVisible(db, a, r.ReplacingWatermark, r.SopClassUid, r.Watermark, r.Version, sizeBytes, r.BlobName, now,
            new OutboxMessageRow
            {
                CreatedAt = now,
                MessageType = outbox.MessageType,
                Payload = outbox.Payload,
                OrderingKey = outbox.OrderingKey,
                TraceParent = outbox.TraceParent,
                TraceState = outbox.TraceState,
            });
        return CommitState.Committed;
    }

    /// <summary>
    /// In the transaction that makes a version visible: its change feed entry (Created, or Replaced when it replaces
    /// <paramref name="replacingWatermark"/>) and the outbox event that announces it.
    /// </summary>
    private static void AnnounceVisible(ArchiveDbContext db, InstanceAttributes a, long? replacingWatermark, string sopClassUid,
        long watermark, int version, long sizeBytes, string blobName, DateTimeOffset now, OutboxMessageRow? outbox = null)
    {
        db.ChangeFeed.Add(new ChangeFeedRow
        {
            Timestamp = now,
            Action = replacingWatermark is null ? ChangeFeedAction.Created : ChangeFeedAction.Replaced,
            StudyInstanceUid = a.StudyInstanceUid!,
            SeriesInstanceUid = a.SeriesInstanceUid!,
            SopInstanceUid = a.SopInstanceUid!,
            Watermark = watermark,
            Version = version,
        });
        db.Outbox.Add(outbox ?? OutboxMessageRow.For(InstanceEvents.Announce(replacingWatermark, a.StudyInstanceUid!, a.SeriesInstanceUid!,
            a.SopInstanceUid!, sopClassUid, watermark, version, sizeBytes, blobName), now));
    }

    /// <summary>A replacement is a correction: the patient, study and series rows take the new version's attributes.</summary>
    private static async Task ApplyReplacementToParentsAsync(ArchiveDbContext db, long watermark, InstanceAttributes a, CancellationToken cancellationToken)
    {
        var row = await db.Instances.Include(i => i.Series).ThenInclude(s => s.RequestAttributes).Include(i => i.Study).ThenInclude(s => s.Patient)
            .SingleAsync(i => i.Watermark == watermark, cancellationToken).ConfigureAwait(false);
        ApplySeries(row.Series, a);
        row.Series.RequestAttributes.Clear();
        AddRequestItems(row.Series, a);
        ApplyStudy(row.Study, a);
        if (row.Study.Patient.PatientKey == a.PatientKey)
            ApplyPatient(row.Study.Patient, a);
    }

    /// <summary>
    /// Undoes a reservation: removes the row if it is still Creating, and only then the blob (a blob is never deleted
    /// while a row that may be Created names it). Returns true when it found the row Created instead (the commit
    /// went through after all). Failures are left to the sweeper.
    /// </summary>
    private async Task<bool> CompensateAsync(Reservation r)
    {
        using var timeout = new CancellationTokenSource(CompensationTimeout);
        try
        {
            await using var db = _database.CreateContext();
            int removed;
            using (await _database.EnterWriterAsync(timeout.Token).ConfigureAwait(false))
            {
                removed = await db.Instances.Where(i => i.Watermark == r.Watermark && i.Status == InstanceStatus.Creating)
                    .ExecuteDeleteAsync(timeout.Token).ConfigureAwait(false);
            }
            if (removed == 0)
            {
                var status = await db.Instances.Where(i => i.Watermark == r.Watermark).Select(i => (InstanceStatus?)i.Status)
                    .FirstOrDefaultAsync(timeout.Token).ConfigureAwait(false);
                if (status is not null)
                    return status == InstanceStatus.Created;
            }
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e) || e is OperationCanceledException)
        {
            _logger.LogWarning(e, "Could not remove the Creating row of watermark {Watermark}; the sweeper will", r.Watermark);
            return false;
        }
        try
        {
            await _store.DeleteAsync(r.BlobName, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BlobStoreException or OperationCanceledException)
        {
            _logger.LogWarning(e, "Could not delete blob {BlobName}; the sweeper's orphan scan will", r.BlobName);
        }
        return false;
    }
}
