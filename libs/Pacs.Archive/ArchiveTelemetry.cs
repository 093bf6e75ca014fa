using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pacs.Archive;

/// <summary>
/// Traces and metrics of the archive, under the name <c>Pacs.Archive</c> (service hosts export every <c>Pacs.*</c>
/// source and meter over OTLP). Ingest emits one span per object with child spans for its three durable steps
/// (reserve, blob put, commit), and these instruments:
/// <list type="bullet">
/// <item><c>pacs.ingest.instances</c> — objects ingested, tagged <c>pacs.ingest.outcome</c> (stored, replaced,
/// already_stored, refused) and, for refusals, <c>pacs.ingest.failure_reason</c> (the PS3.18 reason code);</item>
/// <item><c>pacs.ingest.bytes</c> — bytes of the objects stored or replaced;</item>
/// <item><c>pacs.ingest.duration</c> — seconds from the first byte of a part to its answer, tagged with the outcome.</item>
/// </list>
/// </summary>
public static class ArchiveTelemetry
{
    public const string Name = "Pacs.Archive";

    public static ActivitySource ActivitySource { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    internal static Counter<long> IngestedInstances { get; } =
        Meter.CreateCounter<long>("pacs.ingest.instances", "{instance}", "Objects offered to ingest, by outcome.");

    internal static Counter<long> IngestedBytes { get; } =
        Meter.CreateCounter<long>("pacs.ingest.bytes", "By", "Bytes of objects stored or replaced.");

    internal static Histogram<double> IngestDuration { get; } =
        Meter.CreateHistogram<double>("pacs.ingest.duration", "s", "Time from the first byte of an object to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    internal static string OutcomeName(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Stored => "stored",
        IngestOutcome.Replaced => "replaced",
        IngestOutcome.AlreadyStored => "already_stored",
        _ => "refused",
    };

    /// <summary>Records one finished ingest on the metrics and its span.</summary>
    internal static void Record(IngestResult result, TimeSpan elapsed, Activity? activity)
    {
        var outcome = OutcomeName(result.Outcome);
        var tags = new TagList { { "pacs.ingest.outcome", outcome } };
        if (result.FailureReason is { } reason)
            tags.Add("pacs.ingest.failure_reason", (int)reason);
        IngestedInstances.Add(1, tags);
        IngestDuration.Record(elapsed.TotalSeconds, tags);
        if (result.Outcome is IngestOutcome.Stored or IngestOutcome.Replaced)
            IngestedBytes.Add(result.SizeBytes, new KeyValuePair<string, object?>("pacs.ingest.outcome", outcome));
        if (activity is not null)
        {
            activity.SetTag("pacs.ingest.outcome", outcome);
            activity.SetTag("pacs.ingest.size_bytes", result.SizeBytes);
            activity.SetTag("dicom.sop_instance_uid", result.SopInstanceUid);
            activity.SetTag("dicom.study_instance_uid", result.StudyInstanceUid);
            if (result.FailureReason is { } failure)
            {
                activity.SetTag("pacs.ingest.failure_reason", (int)failure);
                activity.SetStatus(ActivityStatusCode.Error, result.FailureDescription);
            }
        }
    }
}
