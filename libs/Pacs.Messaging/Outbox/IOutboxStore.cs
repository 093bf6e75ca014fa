namespace Pacs.Messaging.Outbox;

/// <summary>A message waiting in a transactional outbox, with what the dispatcher needs besides the event itself.</summary>
public sealed record OutboxMessage(long Id, DateTimeOffset CreatedAt, string MessageType, string Payload, int Attempts)
{
    /// <summary>Messages with the same key are published in id order (the study); null: taken from the event.</summary>
    public string? OrderingKey { get; init; }

    /// <summary>W3C trace context (traceparent) of the activity that wrote the row, carried into the message headers.</summary>
    public string? TraceParent { get; init; }

    /// <summary>W3C tracestate that went with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; init; }
}

/// <summary>
/// A transactional outbox as its dispatcher sees it: rows written in the same transaction as the change they announce,
/// read oldest first until marked. Implemented over the archive index by <c>Pacs.Archive.OutboxStore</c>.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Up to <paramref name="limit"/> messages not yet dispatched, oldest (lowest id) first.</summary>
    Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Marks messages as published.</summary>
    Task MarkDispatchedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);

    /// <summary>Records a failed attempt; the message stays pending.</summary>
    Task RecordFailureAsync(long id, string error, CancellationToken cancellationToken = default);

    /// <summary>Takes a message that can never be published (no contract of that name, a payload that does not fit) out
    /// of the queue, keeping it with the reason for an operator to look at.</summary>
    Task MarkUndeliverableAsync(long id, string error, CancellationToken cancellationToken = default);

    /// <summary>Deletes dispatched messages older than <paramref name="dispatchedBefore"/>; returns how many.</summary>
    Task<int> PurgeDispatchedAsync(DateTimeOffset dispatchedBefore, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tries to become the one dispatcher of this outbox: per-study order holds only while a single dispatcher publishes,
    /// and a service may run several replicas. Returns the lease (dispose it to give it up) or null when another process
    /// holds it. A lease can be lost (its database connection broke): check <see cref="IOutboxLease.IsHeldAsync"/>.
    /// </summary>
    Task<IOutboxLease?> TryAcquireLeaseAsync(CancellationToken cancellationToken = default);
}

/// <summary>The right to dispatch an outbox, held until disposed or lost.</summary>
public interface IOutboxLease : IAsyncDisposable
{
    /// <summary>Whether the lease is still held (false once its holder lost its connection to the database).</summary>
    Task<bool> IsHeldAsync(CancellationToken cancellationToken = default);
}
