using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Spool;

namespace Pacs.Gateway.Forwarding;

/// <summary>
/// Sends each routing destination's spool queue by C-STORE (PS3.4 B) on associations of the gateway's own, with the
/// same durability as the archive queue: an object leaves the queue only after the destination answered success (or a
/// warning); an object the destination refuses for good (SOP class or transfer syntax not accepted, 0122H, A9xxH,
/// Cxxx) is quarantined with the reason; an unreachable destination is retried with exponential backoff for as long as
/// it takes; a restart resumes from the folders.
/// </summary>
public sealed class RouteForwarder : BackgroundService
{
    private const int BatchSize = 32;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(30);
    private static readonly DicomReadOptions MetaOnly = new() { StopBeforeTag = new DicomTag(0x00080000), BulkDataThresholdBytes = 256 };
    private readonly GatewayOptions _options;
    private readonly GatewaySpool _spool;
    private readonly ILogger _logger;
    private readonly Dictionary<long, int> _attempts = [];
    private readonly Lock _attemptsGate = new();
    private long _delivered;
    private long _quarantined;

    public RouteForwarder(GatewayOptions options, GatewaySpool spool, ILogger<RouteForwarder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spool);
        _options = options;
        _spool = spool;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Objects delivered to routing destinations since start.</summary>
    public long DeliveredCount => Interlocked.Read(ref _delivered);

    /// <summary>Objects quarantined by routing since start.</summary>
    public long QuarantinedCount => Interlocked.Read(ref _quarantined);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var routed = _options.Routes.SelectMany(r => r.Destinations).Select(d => d.Trim()).Distinct(StringComparer.Ordinal).ToList();
        foreach (var orphan in _spool.RouteQueues.Where(q => q.Count > 0 && _options.FindDestination(q.Name) is null))
        {
            _logger.LogError("{Count} objects wait in {Folder} for '{Ae}', which is no longer declared under Destinations; they stay there until it is",
                orphan.Count, orphan.Folder, orphan.Name);
        }

        var loops = new List<Task>();
        foreach (var ae in routed.Union(_spool.RouteQueues.Where(q => q.Count > 0).Select(q => q.Name), StringComparer.Ordinal))
        {
            if (_options.FindDestination(ae) is { } destination)
            {
                loops.Add(Task.Run(() => RunAsync(destination, _spool.RouteQueue(ae), stoppingToken), CancellationToken.None));
            }
        }

        return Task.WhenAll(loops);
    }

    private async Task RunAsync(DimseDestination destination, SpoolQueue queue, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = queue.TakeBatch(BatchSize, long.MaxValue);
            if (batch.Count == 0)
            {
                try
                {
                    await queue.WaitForWorkAsync(IdlePoll, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            var remaining = new List<SpoolEntry>(batch);
            try
            {
                await SendAsync(destination, queue, remaining, cancellationToken).ConfigureAwait(false);
                if (remaining.Count == 0)
                {
                    failures = 0;
                }
                else
                {
                    // Some objects were refused for now (e.g. A700H): wait before offering them again.
                    failures++;
                    await Task.Delay(Backoff(failures), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is DimseException or SocketException or IOException or TimeoutException or InvalidOperationException)
            {
                failures++;
                var delay = Backoff(failures);
                var level = failures is 1 or 10 or 100 || failures % 1000 == 0 ? LogLevel.Warning : LogLevel.Debug;
                _logger.Log(level, "Routing to {Destination} failed ({Reason}); {Count} objects wait, next attempt in {Delay}", destination, e.Message, queue.Count, delay);
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: returned below.
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                remaining.ForEach(queue.Return);
            }
        }
    }

    /// <summary>One association for the batch; entries leave <paramref name="remaining"/> as they are settled.</summary>
    private async Task SendAsync(DimseDestination destination, SpoolQueue queue, List<SpoolEntry> remaining, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<long, (string SopClass, DicomTransferSyntax TransferSyntax)>();
        foreach (var entry in remaining.ToList())
        {
            try
            {
                var file = DicomFile.Open(entry.Path, MetaOnly);
                headers[entry.Sequence] = (file.SopClassUid ?? string.Empty, file.TransferSyntax);
            }
            catch (DicomException e)
            {
                Settle(queue, remaining, entry, null, $"the spooled file cannot be read: {e.Message}", permanent: true);
            }
        }

        if (remaining.Count == 0)
        {
            return;
        }

        // One context per SOP class and transfer syntax; an uncompressed object may also go in the other uncompressed
        // syntaxes (the library re-encodes it), a compressed one only as it is.
        var contexts = headers.Values.Distinct().GroupBy(h => h.SopClass).SelectMany(g => g.Select(h => new DimsePresentationContextRequest(g.Key,
            IsUncompressed(h.TransferSyntax) ? [h.TransferSyntax.Uid, .. DimseTransferSyntaxes.Uncompressed.Where(u => u != h.TransferSyntax.Uid)] : [h.TransferSyntax.Uid])))
            .Take(128).ToList();
        await using var association = await destination.ConnectAsync(_options.AeTitle, contexts, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var entry in remaining.ToList())
        {
            var (sopClass, transferSyntax) = headers[entry.Sequence];
            var accepted = association.PresentationContexts.Where(c => c.IsAccepted && c.AbstractSyntax == sopClass).ToList();
            if (accepted.Count == 0 || (!IsUncompressed(transferSyntax) && !accepted.Any(c => Equals(c.TransferSyntax, transferSyntax))))
            {
                Settle(queue, remaining, entry, DimseStatus.SopClassNotSupported.Code,
                    $"{destination.AeTitle} accepts no presentation context for {sopClass} in {transferSyntax.Uid}", permanent: true);
                continue;
            }

            CStoreResponse response;
            try
            {
                response = await association.StoreFileAsync(entry.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (DimseException e) when (association.State == AssociationState.Sta6Established)
            {
                // The object could not be sent on an open association (e.g. it cannot be re-encoded): about the object.
                Settle(queue, remaining, entry, null, e.Message, permanent: false);
                continue;
            }

            var status = response.Status;
            if (status.Category is DimseStatusCategory.Success or DimseStatusCategory.Warning)
            {
                Settle(queue, remaining, entry, null, null, permanent: false, delivered: true);
            }
            else
            {
                // PS3.4 B.2.3: A7xx out of resources may pass; SOP class not supported, data set mismatch and cannot
                // understand will not.
                var permanent = status.Code == DimseStatus.SopClassNotSupported.Code || (status.Code & 0xFF00) == 0xA900 || (status.Code & 0xF000) == 0xC000;
                Settle(queue, remaining, entry, status.Code, $"{destination.AeTitle} answered {status}{(response.ErrorComment is { } c ? ": " + c : string.Empty)}", permanent);
            }
        }

        await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Settle(SpoolQueue queue, List<SpoolEntry> remaining, SpoolEntry entry, ushort? reason, string? description, bool permanent, bool delivered = false)
    {
        if (delivered)
        {
            queue.Complete(entry);
            remaining.Remove(entry);
            Forget(entry);
            Interlocked.Increment(ref _delivered);
            return;
        }

        int attempts;
        lock (_attemptsGate)
        {
            attempts = _attempts.GetValueOrDefault(entry.Sequence) + 1;
            _attempts[entry.Sequence] = attempts;
        }

        if (permanent || attempts >= _options.Forwarding.MaxRouteAttempts)
        {
            _logger.LogError("Routing {SopInstanceUid} to {Ae} failed for good after {Attempts} attempts ({Reason}); moved to {Folder}", entry.SopInstanceUid, queue.Name, attempts, description, queue.QuarantineFolder);
            queue.Quarantine(entry, reason, description ?? "refused", attempts);
            remaining.Remove(entry);
            Forget(entry);
            Interlocked.Increment(ref _quarantined);
        }
        else
        {
            _logger.LogWarning("Routing {SopInstanceUid} to {Ae} failed ({Reason}); attempt {Attempt} of {Max}", entry.SopInstanceUid, queue.Name, description, attempts, _options.Forwarding.MaxRouteAttempts);
        }
    }

    private void Forget(SpoolEntry entry)
    {
        lock (_attemptsGate)
        {
            _attempts.Remove(entry.Sequence);
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(_options.Forwarding.MaxRetryDelay.Ticks, _options.Forwarding.RetryDelay.Ticks * (1L << Math.Min(failures - 1, 20))));

    private static bool IsUncompressed(DicomTransferSyntax ts) => DimseTransferSyntaxes.Uncompressed.Contains(ts.Uid);
}
