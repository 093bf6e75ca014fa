using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Spool;
using Pacs.Storage;

namespace Pacs.Gateway.Storage;

/// <summary>
/// Storage Commitment Push Model SCP (PS3.4 J): an N-ACTION request is made durable in the spool and answered; then the
/// referenced instances are looked up in the archive until every one is confirmed (or refused for good, or the
/// configured time has passed), and the N-EVENT-REPORT goes back: on the requesting association while it is open and
/// the requestor took the SCP role for it (PS3.7 D.3.3.4), otherwise on a new association to the requestor's AE, which
/// must be declared among <see cref="GatewayOptions.Destinations"/>. Requests survive a restart.
/// </summary>
public sealed class StorageCommitmentScp : BackgroundService
{
    /// <summary>PS3.4 J.3.2: the only action of the Push Model, "Request Storage Commitment".</summary>
    public const ushort RequestStorageCommitmentAction = 1;

    /// <summary>PS3.4 J.3.3: event type 1, all instances committed; 2, some failed.</summary>
    public const ushort EventSuccess = 1;
    public const ushort EventFailuresExist = 2;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly GatewayOptions _options;
    private readonly GatewaySpool _spool;
    private readonly IArchiveUploader _archive;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly string _failedFolder;

    public StorageCommitmentScp(GatewayOptions options, GatewaySpool spool, IArchiveUploader archive, TimeProvider? clock = null, ILogger<StorageCommitmentScp>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(archive);
        _options = options;
        _spool = spool;
        _archive = archive;
        _clock = clock ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _failedFolder = Path.Combine(spool.CommitmentFolder, "failed");
        foreach (var file in Directory.EnumerateFiles(spool.CommitmentFolder, "*.json"))
        {
            try
            {
                var request = JsonSerializer.Deserialize<CommitmentRecord>(File.ReadAllText(file)) ?? throw new JsonException("empty");
                _pending[file] = new Pending(file, request, null);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                // A record cut off by a crash before its fsync was never answered with success: the requestor retries.
                _logger.LogWarning("Storage commitment record {File} is unreadable ({Reason}); it is set aside", file, e.Message);
                MoveToFailed(file, "unreadable: " + e.Message);
            }
        }
    }

    /// <summary>Requests not yet reported.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>N-ACTION "Request Storage Commitment" (PS3.4 J.3.2): validate, persist, answer; the report follows later.</summary>
    public async ValueTask<DimseNResult> OnNActionAsync(DimseRequestContext context, NActionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestedSopClassUid != DicomUid.StorageCommitmentPushModel)
        {
            throw new DimseStatusException(DimseStatus.NoSuchSopClass, $"N-ACTION is accepted only for the Storage Commitment Push Model SOP Class ({DicomUid.StorageCommitmentPushModel}).");
        }

        if (request.RequestedSopInstanceUid != DicomUid.StorageCommitmentPushModelInstance)
        {
            // PS3.4 J.3.2: the SOP Instance is the well-known one.
            throw new DimseStatusException(DimseStatus.NoSuchSopInstance, $"The Requested SOP Instance UID must be the well-known {DicomUid.StorageCommitmentPushModelInstance}.");
        }

        if (request.ActionTypeId != RequestStorageCommitmentAction)
        {
            throw new DimseStatusException(DimseStatus.NoSuchActionType, $"Action Type ID {request.ActionTypeId} is not defined for storage commitment (only 1).");
        }

        var data = request.Dataset ?? throw new DimseStatusException(DimseStatus.InvalidArgumentValue, "The N-ACTION has no Action Information.");
        var transaction = data.GetString(DicomTag.TransactionUID);
        if (string.IsNullOrWhiteSpace(transaction))
        {
            throw new DimseStatusException(DimseStatus.InvalidArgumentValue, "Transaction UID (0008,1195) is missing.");
        }

        var items = new List<CommitmentItem>();
        foreach (var item in data.GetSequence(DicomTag.ReferencedSOPSequence))
        {
            var sopClass = item.GetString(DicomTag.ReferencedSOPClassUID);
            var sopInstance = item.GetString(DicomTag.ReferencedSOPInstanceUID);
            if (string.IsNullOrWhiteSpace(sopClass) || string.IsNullOrWhiteSpace(sopInstance))
            {
                throw new DimseStatusException(DimseStatus.InvalidArgumentValue, $"Item {items.Count + 1} of Referenced SOP Sequence (0008,1199) lacks Referenced SOP Class UID (0008,1150) or Referenced SOP Instance UID (0008,1155).");
            }

            items.Add(new CommitmentItem(sopClass.Trim(), sopInstance.Trim()));
        }

        if (items.Count == 0)
        {
            throw new DimseStatusException(DimseStatus.InvalidArgumentValue, "Referenced SOP Sequence (0008,1199) is missing or empty.");
        }

        var now = _clock.GetUtcNow();
        var record = new CommitmentRecord
        {
            TransactionUid = transaction.Trim(),
            RequesterAeTitle = context.Association.CallingAeTitle,
            ReceivedAt = now,
            Deadline = now + _options.StorageCommitment.Timeout,
            Items = items,
        };
        var path = Path.Combine(_spool.CommitmentFolder, $"{now.UtcTicks:D19}-{Guid.NewGuid():N}.json");
        try
        {
            await WriteAsync(path, record, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new DimseStatusException(DimseStatus.ResourceLimitation, $"The request could not be recorded: {e.Message}");
        }

        _pending[path] = new Pending(path, record, context.Association);
        _logger.LogInformation("Storage commitment {Transaction} from {Ae}: {Count} instances", record.TransactionUid, record.RequesterAeTitle, items.Count);
        Wake();
        return DimseNResult.Success();
    }

    /// <summary>Looks at open requests now rather than at the next poll (e.g. after the forwarder delivered a batch).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var pending in _pending.Values.OrderBy(p => p.Record.ReceivedAt))
            {
                try
                {
                    await ProcessAsync(pending, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // One bad request must not stop the others; it is looked at again next round.
                    _logger.LogError(e, "Storage commitment {Transaction} could not be processed", pending.Record.TransactionUid);
                }
            }

            try
            {
                await _wake.WaitAsync(_options.StorageCommitment.PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProcessAsync(Pending pending, CancellationToken cancellationToken)
    {
        var record = pending.Record;
        var now = _clock.GetUtcNow();
        if (record.Result is null)
        {
            if (!await DecideAsync(pending, now, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        if (record.NextReportAttempt is { } next && next > now)
        {
            return;
        }

        await ReportAsync(pending, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the instances not yet confirmed; true once the outcome of every instance is known (or time is up).</summary>
    private async Task<bool> DecideAsync(Pending pending, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = pending.Record;
        var open = record.Items.Where(i => !pending.Outcomes.ContainsKey(i.SopInstanceUid)).ToList();
        if (open.Count > 0)
        {
            // Which are still on their way, looked at BEFORE the archive is asked: an object leaves the spool only after the
            // archive confirmed it, so one that was not pending then and is not in the archive now never came this way.
            var onTheirWay = open.Where(i => _spool.Archive.IsPending(i.SopInstanceUid)).Select(i => i.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
            IReadOnlyDictionary<string, string> stored;
            var asked = false;
            try
            {
                stored = await _archive.FindStoredAsync([.. open.Select(i => i.SopInstanceUid).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
                asked = true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The archive cannot be asked now: nothing is concluded; the deadline still applies below.
                _logger.LogDebug("Storage commitment {Transaction}: the archive cannot be asked ({Reason})", record.TransactionUid, e.Message);
                stored = new Dictionary<string, string>();
            }

            foreach (var item in open)
            {
                if (stored.TryGetValue(item.SopInstanceUid, out var storedClass))
                {
                    // PS3.4 J.3.3 failure reason 0119H "class/instance conflict": the instance exists under another SOP class.
                    pending.Outcomes[item.SopInstanceUid] = storedClass == item.SopClassUid
                        ? null
                        : new Failure(DimseStatus.ClassInstanceConflict.Code, $"stored as SOP class {storedClass}");
                }
                else if (!_spool.Archive.IsPending(item.SopInstanceUid) && _spool.Archive.FindQuarantined(item.SopInstanceUid) is { } quarantined)
                {
                    // The archive refused the object for good: PS3.4 J.3.3 failure reason 0110H "processing failure".
                    pending.Outcomes[item.SopInstanceUid] = new Failure(DimseStatus.ProcessingFailure.Code, "refused by the archive: " + quarantined.Description);
                }
                else if (asked && !onTheirWay.Contains(item.SopInstanceUid) && !_spool.Archive.IsPending(item.SopInstanceUid))
                {
                    // PS3.4 J.3.3: 0112H "No such object instance": neither in the archive nor waiting in the spool.
                    pending.Outcomes[item.SopInstanceUid] = new Failure(DimseStatus.NoSuchSopInstance.Code, "not received by the gateway and not in the archive");
                }
            }
        }

        var complete = record.Items.All(i => pending.Outcomes.ContainsKey(i.SopInstanceUid));
        if (!complete && now < record.Deadline)
        {
            return false;
        }

        var result = new List<CommitmentOutcome>();
        foreach (var item in record.Items)
        {
            if (pending.Outcomes.TryGetValue(item.SopInstanceUid, out var failure))
            {
                result.Add(new CommitmentOutcome(item.SopClassUid, item.SopInstanceUid, failure?.Reason, failure?.Description));
            }
            else if (_spool.Archive.IsPending(item.SopInstanceUid))
            {
                // Still in the spool when time ran out (archive unreachable): not committed. The requestor may ask again.
                result.Add(new CommitmentOutcome(item.SopClassUid, item.SopInstanceUid, DimseStatus.ProcessingFailure.Code, "not yet in the archive when the commitment time ran out"));
            }
            else
            {
                // PS3.4 J.3.3: 0112H "No such object instance": never received.
                result.Add(new CommitmentOutcome(item.SopClassUid, item.SopInstanceUid, DimseStatus.NoSuchSopInstance.Code, "not received"));
            }
        }

        record.Result = result;
        await WriteAsync(pending.Path, record, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Storage commitment {Transaction}: {Committed} committed, {Failed} failed", record.TransactionUid,
            result.Count(r => r.FailureReason is null), result.Count(r => r.FailureReason is not null));
        return true;
    }

    private async Task ReportAsync(Pending pending, CancellationToken cancellationToken)
    {
        var record = pending.Record;
        var report = BuildReport(record, _options.AeTitle);
        string? error = null;

        // The requesting association, while it lasts and lets us invoke (requestor in the SCP role).
        if (pending.Association is { State: AssociationState.Sta6Established } association
            && association.PresentationContexts.Any(c => c.IsAccepted && c.AbstractSyntax == DicomUid.StorageCommitmentPushModel && c.RequestorIsScp))
        {
            try
            {
                var response = await association.EventReportAsync(report, cancellationToken).ConfigureAwait(false);
                if (response.Status.Category is DimseStatusCategory.Success or DimseStatusCategory.Warning)
                {
                    Delivered(pending, "the requesting association");
                    return;
                }

                error = $"the requestor answered {response.Status}";
            }
            catch (Exception e) when (e is DimseException or IOException or InvalidOperationException)
            {
                error = e.Message;
            }
        }

        // PS3.4 J.3.3: otherwise the SCP opens an association to the requestor.
        if (_options.FindDestination(record.RequesterAeTitle) is { } destination)
        {
            try
            {
                await using var association2 = await destination.ConnectAsync(_options.AeTitle,
                    [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel, DimseTransferSyntaxes.Uncompressed)],
                    new DimseClientOptions
                    {
                        // The gateway invokes N-EVENT-REPORT as the Storage Commitment SCP: it proposes that role for itself
                        // (PS3.7 D.3.3.4) while keeping the default invoker role the library sends under.
                        RoleSelections = [new RoleSelection(DicomUid.StorageCommitmentPushModel, ScuRole: true, ScpRole: true)],
                    },
                    cancellationToken).ConfigureAwait(false);
                var response = await association2.EventReportAsync(report, cancellationToken).ConfigureAwait(false);
                await association2.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                if (response.Status.Category is DimseStatusCategory.Success or DimseStatusCategory.Warning)
                {
                    Delivered(pending, $"a new association to {destination}");
                    return;
                }

                error = $"{destination.AeTitle} answered {response.Status}";
            }
            catch (Exception e) when (e is DimseException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or TimeoutException)
            {
                error = $"{destination}: {e.Message}";
            }
        }
        else
        {
            error ??= $"the requesting association has ended and AE '{record.RequesterAeTitle}' is not declared under {GatewayOptions.ConfigurationSection}:Destinations";
        }

        record.ReportAttempts++;
        if (record.ReportAttempts >= _options.StorageCommitment.MaxReportAttempts)
        {
            _logger.LogError("Storage commitment {Transaction} for {Ae}: the report could not be delivered after {Attempts} attempts ({Reason}); set aside in {Folder}",
                record.TransactionUid, record.RequesterAeTitle, record.ReportAttempts, error, _failedFolder);
            _pending.TryRemove(pending.Path, out _);
            MoveToFailed(pending.Path, error);
            return;
        }

        var delay = TimeSpan.FromTicks(Math.Min(_options.Forwarding.MaxRetryDelay.Ticks, _options.Forwarding.RetryDelay.Ticks * (1L << Math.Min(record.ReportAttempts, 20))));
        record.NextReportAttempt = _clock.GetUtcNow() + delay;
        _logger.LogWarning("Storage commitment {Transaction} for {Ae}: report not delivered ({Reason}); next attempt in {Delay}", record.TransactionUid, record.RequesterAeTitle, error, delay);
        await WriteAsync(pending.Path, record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The N-EVENT-REPORT of PS3.4 J.3.3 for a decided request.</summary>
    internal static NEventReportRequest BuildReport(CommitmentRecord record, string retrieveAeTitle)
    {
        var committed = record.Result!.Where(r => r.FailureReason is null).ToList();
        var failed = record.Result!.Where(r => r.FailureReason is not null).ToList();
        var data = new DicomDataset().Set(DicomTag.TransactionUID, record.TransactionUid);
        if (committed.Count > 0)
        {
            data.Set(DicomTag.RetrieveAETitle, retrieveAeTitle);
            data.SetSequence(DicomTag.ReferencedSOPSequence, [.. committed.Select(r => new DicomDataset()
                .Set(DicomTag.ReferencedSOPClassUID, r.SopClassUid)
                .Set(DicomTag.ReferencedSOPInstanceUID, r.SopInstanceUid))]);
        }

        if (failed.Count > 0)
        {
            data.SetSequence(DicomTag.FailedSOPSequence, [.. failed.Select(r => new DicomDataset()
                .Set(DicomTag.ReferencedSOPClassUID, r.SopClassUid)
                .Set(DicomTag.ReferencedSOPInstanceUID, r.SopInstanceUid)
                .SetValues(DicomTag.FailureReason, DicomVR.US, r.FailureReason!.Value))]);
        }

        return new NEventReportRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance,
            failed.Count == 0 ? EventSuccess : EventFailuresExist, data);
    }

    private void Delivered(Pending pending, string how)
    {
        _logger.LogInformation("Storage commitment {Transaction} reported to {Ae} on {How}", pending.Record.TransactionUid, pending.Record.RequesterAeTitle, how);
        _pending.TryRemove(pending.Path, out _);
        File.Delete(pending.Path);
        NativeFileSystem.FsyncDirectory(_spool.CommitmentFolder);
    }

    private void MoveToFailed(string path, string reason)
    {
        Directory.CreateDirectory(_failedFolder);
        var target = Path.Combine(_failedFolder, Path.GetFileName(path));
        File.WriteAllText(target + ".reason.txt", reason);
        File.Move(path, target, overwrite: true);
        NativeFileSystem.FsyncDirectory(_failedFolder);
        NativeFileSystem.FsyncDirectory(_spool.CommitmentFolder);
    }

    private static async Task WriteAsync(string path, CommitmentRecord record, CancellationToken cancellationToken)
    {
        // Replaced whole: a temporary file, fsynced, renamed over the old one, folder fsynced.
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            await JsonSerializer.SerializeAsync(stream, record, Json, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        NativeFileSystem.FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    private sealed record Failure(ushort Reason, string Description);

    private sealed class Pending(string path, CommitmentRecord record, DimseAssociation? association)
    {
        public string Path => path;

        public CommitmentRecord Record => record;

        public DimseAssociation? Association => association;

        /// <summary>Instances whose outcome is known: null for committed, else the failure.</summary>
        public Dictionary<string, Failure?> Outcomes { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>One referenced instance of a commitment request.</summary>
public sealed record CommitmentItem(string SopClassUid, string SopInstanceUid);

/// <summary>The decided outcome of one instance: committed when <paramref name="FailureReason"/> is null.</summary>
public sealed record CommitmentOutcome(string SopClassUid, string SopInstanceUid, ushort? FailureReason, string? Description);

/// <summary>A storage commitment request as kept in the spool's commitment/ folder until reported.</summary>
public sealed class CommitmentRecord
{
    public string TransactionUid { get; set; } = string.Empty;

    public string RequesterAeTitle { get; set; } = string.Empty;

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset Deadline { get; set; }

    public List<CommitmentItem> Items { get; set; } = [];

    /// <summary>Set once decided: the outcome of every item, fixed from then on (a retried report says the same).</summary>
    public List<CommitmentOutcome>? Result { get; set; }

    public int ReportAttempts { get; set; }

    public DateTimeOffset? NextReportAttempt { get; set; }
}
