using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Tracing;

namespace Pacs.Messaging.Outbox;

/// <summary>
/// Publishes the transactional outbox to the bus. Each round reads the oldest pending rows, publishes them — the rows of
/// one ordering key (study) one after another in id order, different keys concurrently — and then marks what was
/// published. Delivery is at least once: a process that dies between publishing and marking publishes those rows again
/// on its next round, and consumers drop the copies by their dedupe key (<see cref="Inbox.InboxStore"/>).
/// <para>
/// Ingest never waits for it: ingest only inserts rows. When the broker (or the database) is unreachable a round fails,
/// the dispatcher backs off (doubling up to <see cref="OutboxDispatcherOptions.MaxBackoff"/>) and later catches up from
/// the rows, which wait in the index as long as needed. A publish that fails stops its key for the round, so nothing is
/// published ahead of an earlier message of the same study.
/// </para>
/// <para>
/// Order per study needs a single publisher, while a service may run several replicas: each round starts by holding the
/// outbox's lease (<see cref="IOutboxStore.TryAcquireLeaseAsync"/>); replicas without it wait and take over when the
/// holder ends.
/// </para>
/// </summary>
public sealed partial class OutboxDispatcher : BackgroundService
{
    private static readonly Meter Meter = new(MessageTracing.SourceName);
    private static readonly Counter<long> PublishedCounter = Meter.CreateCounter<long>("pacs.outbox.published", "{message}", "Outbox messages published to the bus.");
    private static readonly Counter<long> FailedRounds = Meter.CreateCounter<long>("pacs.outbox.failed_rounds", "{round}", "Dispatcher rounds that failed (broker or database unreachable).");

    private readonly IOutboxStore _outbox;
    private readonly IPublishEndpoint _bus;
    private readonly OutboxDispatcherOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _published;
    private IOutboxLease? _lease;
    private DateTimeOffset _lastPurge;

    public OutboxDispatcher(IOutboxStore outbox, IPublishEndpoint bus, OutboxDispatcherOptions? options = null, TimeProvider? clock = null,
        ILogger<OutboxDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(bus);
        _outbox = outbox;
        _bus = bus;
        _options = options ?? new OutboxDispatcherOptions();
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<OutboxDispatcher>.Instance;
        _lastPurge = _clock.GetUtcNow();
    }

    /// <summary>Messages published since this dispatcher started (copies re-published after a failed mark included).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Consecutive failed rounds (0 while the broker is reachable).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Asks for a round now instead of after the idle pause (a writer that just added rows may call it).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }

    /// <summary>Whether this dispatcher holds the outbox's lease (only the holder publishes).</summary>
    public bool IsLeader => _lease is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (_lease is not null)
                await _lease.DisposeAsync().ConfigureAwait(false);
            _lease = null;
        }
    }

    /// <summary>
    /// Holds the lease before a round; without it (another replica dispatches) waits and asks again, so a replica takes
    /// over within <see cref="OutboxDispatcherOptions.LeaseRetryInterval"/> of the holder's end.
    /// </summary>
    private async Task<bool> EnsureLeaseAsync(CancellationToken cancellationToken)
    {
        if (_lease is not null)
        {
            if (await _lease.IsHeldAsync(cancellationToken).ConfigureAwait(false))
                return true;
            await _lease.DisposeAsync().ConfigureAwait(false);
            _lease = null;
            LogLeaseLost();
        }
        _lease = await _outbox.TryAcquireLeaseAsync(cancellationToken).ConfigureAwait(false);
        return _lease is not null;
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = _options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan pause;
            try
            {
                if (!await EnsureLeaseAsync(stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(_options.LeaseRetryInterval, _clock, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                var round = await DispatchOnceAsync(stoppingToken).ConfigureAwait(false);
                if (round.Failure is null)
                {
                    if (ConsecutiveFailures > 0)
                        LogRecovered(ConsecutiveFailures);
                    ConsecutiveFailures = 0;
                    backoff = _options.InitialBackoff;
                    await PurgeIfDueAsync(stoppingToken).ConfigureAwait(false);
                    if (round.Read >= _options.BatchSize || round.Published > 0)
                        continue; // more may be waiting
                    pause = _options.IdlePollInterval;
                }
                else
                {
                    pause = Fail(round.Failure, ref backoff);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is unreachable (reading or marking failed): the rows are safe where they are.
                pause = Fail(e, ref backoff);
            }

            try
            {
                await _wake.WaitAsync(pause, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan Fail(Exception e, ref TimeSpan backoff)
    {
        ConsecutiveFailures++;
        FailedRounds.Add(1);
        if (ConsecutiveFailures == 1 || ConsecutiveFailures % 20 == 0)
            LogRoundFailed(e, ConsecutiveFailures, backoff);
        // Jitter keeps many dispatchers from hammering a broker that comes back at the same instant.
        var pause = backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, backoff.TotalMilliseconds / 5)));
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        return pause;
    }

    /// <summary>What one round did.</summary>
    public readonly record struct Round(int Read, int Published, int Undeliverable, Exception? Failure);

    /// <summary>
    /// One round: reads up to <see cref="OutboxDispatcherOptions.BatchSize"/> pending rows, publishes them in order per
    /// key and marks the published ones. A publish failure ends its key's part of the round and is reported in
    /// <see cref="Round.Failure"/>; what was published before it is still marked. Database failures throw.
    /// </summary>
    public async Task<Round> DispatchOnceAsync(CancellationToken cancellationToken = default)
    {
        var batch = await _outbox.ReadPendingAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
            return new Round(0, 0, 0, null);

        var keyed = new List<(OutboxMessage Row, IPacsEvent Event, string Key)>(batch.Count);
        int undeliverable = 0;
        foreach (var row in batch)
        {
            try
            {
                var e = EventCatalog.Deserialize(row.MessageType, row.Payload);
                keyed.Add((row, e, row.OrderingKey ?? e.OrderingKey));
            }
            catch (UnreadableEventException e)
            {
                // A defect, not an outage: retrying cannot help, and holding the row would stall its study forever.
                LogUndeliverable(e, row.Id, row.MessageType);
                await _outbox.MarkUndeliverableAsync(row.Id, e.Message, cancellationToken).ConfigureAwait(false);
                undeliverable++;
            }
        }

        var published = new ConcurrentBag<long>();
        Exception? failure = null;
        using var stopRound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var groups = keyed.GroupBy(k => k.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        async ValueTask PublishGroupAsync(List<(OutboxMessage Row, IPacsEvent Event, string Key)> group, CancellationToken token)
        {
            foreach (var (row, e, _) in group)
            {
                try
                {
                    await PublishAsync(row, e, token).ConfigureAwait(false);
                    published.Add(row.Id);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The broker is most likely down: stop the whole round; the rest waits for the next one.
                    // Only the first failure is recorded: the others are this one's cancellation of the round.
                    if (Interlocked.CompareExchange(ref failure, ex, null) is null)
                    {
                        await stopRound.CancelAsync().ConfigureAwait(false);
                        await TryRecordFailureAsync(row.Id, ex).ConfigureAwait(false);
                    }
                    return;
                }
            }
        }
        try
        {
            // One key (the usual round under ingest: the rows of one study) is published right here: Parallel would
            // only hand it to pool workers (one more to find nothing left) for nothing to run beside it.
            if (groups.Count == 1)
                await PublishGroupAsync(groups[0], stopRound.Token).ConfigureAwait(false);
            else
                await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxConcurrentKeys), CancellationToken = stopRound.Token },
                    PublishGroupAsync).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The round was stopped by a failed publish; recorded above.
        }

        if (!published.IsEmpty)
        {
            // Not cancellable by the stop of the host: marking what went out saves re-publishing it after a restart.
            using var markTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _outbox.MarkDispatchedAsync(published.ToArray(), cancellationToken.IsCancellationRequested ? markTimeout.Token : cancellationToken)
                .ConfigureAwait(false);
            Interlocked.Add(ref _published, published.Count);
            PublishedCounter.Add(published.Count);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new Round(batch.Count, published.Count, undeliverable, failure);
    }

    private async Task PublishAsync(OutboxMessage row, IPacsEvent e, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        MessageTracing.TryParse(row.TraceParent, row.TraceState, out var parent);
        // The publish continues the trace of the request that wrote the row (the bus's own send activity nests in it).
        using var activity = MessageTracing.Source.StartActivity($"{row.MessageType} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.destination.name", row.MessageType);
        activity?.SetTag("pacs.outbox.id", row.Id);
        string? traceParent = activity?.Id ?? row.TraceParent;
        string? traceState = activity?.TraceStateString ?? row.TraceState;
        var messageId = EventCatalog.MessageIdOf(e);
        await _bus.Publish(e, e.GetType(), Pipe.Execute<PublishContext>(context =>
        {
            context.MessageId = messageId;
            context.Durable = true;
            if (traceParent is not null)
                context.Headers.Set(MessageTracing.TraceParentHeader, traceParent);
            if (!string.IsNullOrEmpty(traceState))
                context.Headers.Set(MessageTracing.TraceStateHeader, traceState);
        }), timeout.Token).ConfigureAwait(false);
    }

    private async Task TryRecordFailureAsync(long id, Exception e)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _outbox.RecordFailureAsync(id, $"{e.GetType().Name}: {e.Message}", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecordFailureFailed(ex, id);
        }
    }

    private async Task PurgeIfDueAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (now - _lastPurge < _options.PurgeInterval)
            return;
        _lastPurge = now;
        int purged = await _outbox.PurgeDispatchedAsync(now - _options.Retention, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
            LogPurged(purged);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox round failed ({Failures} in a row); next attempt in about {Backoff}")]
    private partial void LogRoundFailed(Exception e, int failures, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox dispatch recovered after {Failures} failed rounds")]
    private partial void LogRecovered(int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox message {Id} ({MessageType}) cannot be published and was set aside")]
    private partial void LogUndeliverable(Exception e, long id, string messageType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the failed publish of outbox message {Id}")]
    private partial void LogRecordFailureFailed(Exception e, long id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the outbox lease (database connection ended); taking it again")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} dispatched outbox messages")]
    private partial void LogPurged(int count);
}
