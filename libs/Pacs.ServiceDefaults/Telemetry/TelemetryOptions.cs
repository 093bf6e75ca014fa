namespace Pacs.ServiceDefaults;

/// <summary>The OTLP transports the exporter speaks.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (collectors listen on port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (port 4318; paths /v1/traces, /v1/metrics, /v1/logs).</summary>
    HttpProtobuf,
}

/// <summary>
/// Section <c>Service:Telemetry</c>. Traces, metrics and logs are exported over OTLP when an endpoint is configured
/// here or in the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable; without one nothing listens, which costs nothing.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// The collector's base address, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c>
    /// (HTTP; the signal paths are appended). Default none: no export.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Default <see cref="OtlpProtocol.Grpc"/>.</summary>
    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>Headers sent with every export, as <c>key1=value1,key2=value2</c> (an API key of a hosted collector). Default none.</summary>
    public string? OtlpHeaders { get; set; }

    /// <summary>How often metrics are exported, in milliseconds. Default 30000.</summary>
    public int MetricExportIntervalMilliseconds { get; set; } = 30_000;

    /// <summary>
    /// Share of new traces recorded, 0 to 1; a request that arrives with a sampled trace context is always recorded, so
    /// a trace is never cut between services. Default 1.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>Whether log entries are exported over OTLP too (besides standard output). Default true.</summary>
    public bool ExportLogs { get; set; } = true;

    internal void Validate()
    {
        if (TraceSampleRatio is < 0 or > 1 || double.IsNaN(TraceSampleRatio))
            throw new InvalidOperationException($"Service:Telemetry:TraceSampleRatio must be between 0 and 1 (is {TraceSampleRatio}).");
        if (MetricExportIntervalMilliseconds < 100)
            throw new InvalidOperationException($"Service:Telemetry:MetricExportIntervalMilliseconds must be at least 100 (is {MetricExportIntervalMilliseconds}).");
        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
            throw new InvalidOperationException($"Service:Telemetry:OtlpEndpoint '{endpoint}' must be an absolute http or https URL.");
    }
}
