using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Pacs.Dicom.Bench;

/// <summary>
/// Which types the allocated bytes go to, from the runtime's own sampling: the GC raises an AllocationTick event
/// roughly every 100 KB allocated, naming the type of the allocation that crossed the mark, so over a few MB the
/// samples share out the bytes by type in proportion (no profiler needed).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GCKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private long _sampledBytes;

    public bool Enabled { get; set; }

    public long SampledBytes => Interlocked.Read(ref _sampledBytes);

    public IEnumerable<(string Type, long Bytes)> ByType() =>
        _bytesByType.Select(p => (p.Key, p.Value)).OrderByDescending(p => p.Value);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GCKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!Enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        var amountIndex = eventData.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }

        var type = eventData.Payload[typeIndex] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
        Interlocked.Add(ref _sampledBytes, amount);
    }
}
