using Pacs.Messaging.Contracts;
using Pacs.Messaging.Tracing;

namespace Pacs.Archive;

/// <summary>
/// An event written in the same transaction as the index change it announces (transactional outbox); a dispatcher
/// publishes it to the bus later and sets <see cref="DispatchedAt"/>. Ingest never waits on the bus.
/// </summary>
public sealed class OutboxMessageRow
{
    public long Id { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The contract's name in <see cref="EventCatalog"/>, e.g. <c>pacs.instance-stored.v1</c>.</summary>
    public required string MessageType { get; set; }

    /// <summary>The event as JSON (<see cref="EventCatalog.Serialize"/>).</summary>
    public required string Payload { get; set; }

    /// <summary>Rows with the same key are published in id order: the Study Instance UID.</summary>
    public string? OrderingKey { get; set; }

    /// <summary>W3C traceparent of the activity that wrote the row (the STOW-RS request), carried into the message.</summary>
    public string? TraceParent { get; set; }

    /// <summary>W3C tracestate that went with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    /// <summary>A row announcing <paramref name="e"/>, capturing the current trace context.</summary>
    public static OutboxMessageRow For(IPacsEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(e);
        var (traceParent, traceState) = MessageTracing.CaptureCurrent();
        return new OutboxMessageRow
        {
            CreatedAt = now,
            MessageType = EventCatalog.NameOf(e.GetType()),
            Payload = EventCatalog.Serialize(e),
            OrderingKey = e.OrderingKey,
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }
}
