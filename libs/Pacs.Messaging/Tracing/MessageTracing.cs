using System.Diagnostics;
using MassTransit;

namespace Pacs.Messaging.Tracing;

/// <summary>
/// W3C trace context (https://www.w3.org/TR/trace-context/) across the outbox and the bus, so that one STOW-RS request
/// is one trace from the HTTP request through ingest, the outbox row, the dispatcher's publish and every consumer:
/// ingest captures <see cref="Activity.Current"/> into the outbox row, the dispatcher publishes under an activity whose
/// parent is that context and writes <c>traceparent</c>/<c>tracestate</c> headers, and consumers continue from them.
/// The activities come from the <see cref="ActivitySource"/> named <see cref="SourceName"/> (a tracer provider
/// listens to it; without a listener nothing is recorded, but the context is still carried).
/// </summary>
public static class MessageTracing
{
    public const string SourceName = "Pacs.Messaging";

    /// <summary>Header holding the W3C traceparent (version-traceid-parentid-flags).</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>Header holding the W3C tracestate, when there is one.</summary>
    public const string TraceStateHeader = "tracestate";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>The current activity's context as W3C strings, or nulls when there is no W3C activity.</summary>
    public static (string? TraceParent, string? TraceState) CaptureCurrent()
    {
        var activity = Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
            return (null, null);
        return (activity.Id, activity.TraceStateString);
    }

    /// <summary>Parses a stored or received traceparent (and tracestate); false when absent or malformed.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        return !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context);
    }

    /// <summary>
    /// Starts the activity of a consumer's work on <paramref name="context"/>'s message, continuing the trace the
    /// message carries. When the bus's own consume activity already continues that trace it becomes the parent;
    /// otherwise the <c>traceparent</c> header is. Null when nobody listens.
    /// </summary>
    public static Activity? StartConsume(ConsumeContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? traceParent = context.Headers.Get<string>(TraceParentHeader);
        string? traceState = context.Headers.Get<string>(TraceStateHeader);
        var current = Activity.Current;
        if (TryParse(traceParent, traceState, out var parent) && (current is null || current.TraceId != parent.TraceId))
            return Source.StartActivity(name, ActivityKind.Consumer, parent);
        return Source.StartActivity(name, ActivityKind.Consumer);
    }
}
