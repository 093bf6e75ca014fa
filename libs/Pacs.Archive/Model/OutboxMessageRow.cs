namespace Pacs.Archive;

/// <summary>
/// An event written in the same transaction as the index change it announces (transactional outbox); a dispatcher
/// publishes it to the bus later and sets <see cref="DispatchedAt"/>. Ingest never waits on the bus.
/// </summary>
public sealed class OutboxMessageRow
{
    public long Id { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Event type name, e.g. <c>InstanceStored</c>; see <see cref="OutboxMessageTypes"/>.</summary>
    public required string MessageType { get; set; }

    /// <summary>The event as JSON.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
