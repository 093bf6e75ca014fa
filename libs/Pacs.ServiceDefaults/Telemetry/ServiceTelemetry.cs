using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Pacs.ServiceDefaults;

/// <summary>
/// OpenTelemetry without the hosting and instrumentation packages (not served by the registry this project builds
/// from): the SDK's tracer and meter providers listen directly to the <see cref="ActivitySource"/>s and
/// <see cref="System.Diagnostics.Metrics.Meter"/>s that ASP.NET Core, HttpClient, Npgsql, MassTransit and Pacs
/// itself emit, and export them over OTLP.
/// </summary>
public static class ServiceTelemetry
{
    /// <summary>
    /// Activity sources recorded. ASP.NET Core starts one activity per request (continuing a <c>traceparent</c> header)
    /// and HttpClient one per outgoing request (sending <c>traceparent</c>), both through .NET's
    /// <see cref="DistributedContextPropagator"/> (W3C Trace Context), so a STOW-RS request forwarded between services
    /// stays one trace. MassTransit carries the context in message headers the same way.
    /// </summary>
    public static IReadOnlyList<string> ActivitySources { get; } =
        ["Microsoft.AspNetCore", "System.Net.Http", "MassTransit", "Npgsql", "Pacs.*"];

    /// <summary>Meters recorded: request rates and durations, connections, the runtime (GC, thread pool), the database pool, the bus, and Pacs' own.</summary>
    public static IReadOnlyList<string> Meters { get; } =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics",
        "System.Net.Http", "System.Runtime", "Npgsql", "MassTransit", "Pacs.*",
    ];

    /// <summary>The endpoint export goes to: <c>Service:Telemetry:OtlpEndpoint</c>, else <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; null when neither is set.</summary>
    public static Uri? ResolveEndpoint(TelemetryOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        if (options.OtlpEndpoint is { } configured)
            return configured;
        return configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard && Uri.TryCreate(standard, UriKind.Absolute, out var uri) ? uri : null;
    }

    /// <summary>
    /// Builds the providers when an endpoint is configured; registers them so the container disposes them (which
    /// flushes what is buffered) when the host stops. Extra processors and readers (tests) are added to each.
    /// </summary>
    internal static void Add(IServiceCollection services, ILoggingBuilder logging, string serviceName, TelemetryOptions options, IConfiguration configuration,
        TelemetryHooks? hooks)
    {
        var endpoint = ResolveEndpoint(options, configuration);
        if (endpoint is null && hooks is null)
            return;

        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        // The pod name in Kubernetes, the container id in Docker: tells replicas apart.
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName, serviceVersion: version, serviceInstanceId: Environment.MachineName);

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource([.. ActivitySources])
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)));
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter([.. Meters]);
        if (endpoint is not null)
        {
            tracing.AddOtlpExporter(o => Configure(o, options, endpoint, "v1/traces"));
            metrics.AddOtlpExporter((o, reader) =>
            {
                Configure(o, options, endpoint, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.MetricExportIntervalMilliseconds;
            });
            if (options.ExportLogs)
            {
                logging.AddOpenTelemetry(o =>
                {
                    o.SetResourceBuilder(resource);
                    o.IncludeFormattedMessage = true;
                    o.IncludeScopes = true;
                    o.AddOtlpExporter(e => Configure(e, options, endpoint, "v1/logs"));
                });
            }
        }

        foreach (var processor in hooks?.TraceProcessors ?? [])
            tracing.AddProcessor(processor);
        foreach (var reader in hooks?.MetricReaders ?? [])
            metrics.AddReader(reader);

        var providers = new TelemetryProviders(tracing.Build(), metrics.Build());
        // A factory registration: the container owns (and disposes) what a factory returns, not a ready instance.
        services.AddSingleton(_ => providers);
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, Uri endpoint, string signalPath)
    {
        exporter.Protocol = options.OtlpProtocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        // Set in code, the HTTP endpoint is used as given; the OTLP specification's per-signal paths are ours to add.
        exporter.Endpoint = options.OtlpProtocol == OtlpProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
        if (!string.IsNullOrWhiteSpace(options.OtlpHeaders))
            exporter.Headers = options.OtlpHeaders;
    }
}

/// <summary>Extra processors and metric readers for the providers (tests observe what would be exported with them).</summary>
public sealed class TelemetryHooks
{
    public IList<BaseProcessor<Activity>> TraceProcessors { get; } = [];

    public IList<MetricReader> MetricReaders { get; } = [];
}

/// <summary>The providers of one host; disposing flushes and stops them.</summary>
public sealed class TelemetryProviders(TracerProvider tracer, MeterProvider meter) : IDisposable
{
    public TracerProvider Tracer { get; } = tracer;

    public MeterProvider Meter { get; } = meter;

    public void Dispose()
    {
        Tracer.Dispose();
        Meter.Dispose();
    }
}
