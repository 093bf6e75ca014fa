using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pacs.Testing;

namespace Pacs.ServiceDefaults.Tests;

/// <summary>
/// What the telemetry providers of a service would export, observed with in-process processors and readers
/// (<see cref="TelemetryHooks"/>) instead of an OTLP collector.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly ActivitySource TestSource = new("Pacs.Tests.Telemetry");

    [Fact]
    public async Task One_stow_request_forwarded_between_services_is_one_trace_down_to_each_ingest_step()
    {
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1",
            "--instances-per-series", "2", "--rows", "8", "--cols", "8", "--seed", "11");
        var spans = new SpanCollector();
        await using var dicomWeb = await DicomWebHost.StartAsync(new Dictionary<string, string?>(),
            builder => builder.Services.AddSingleton(new TelemetryHooks { TraceProcessors = { spans } }));

        // A front service (as the gateway is) that passes the STOW-RS body on to the DICOMweb service over HTTP.
        using var forwarder = new HttpClient { BaseAddress = dicomWeb.Address, Timeout = Deadline };
        await using var front = await TestService.StartAsync(name: "test-front", map: app => app.MapPost("/forward", async (HttpContext context) =>
        {
            using var content = new StreamContent(context.Request.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType!);
            using var response = await forwarder.PostAsync("dicom-web/studies", content, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }));

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("send study"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            using var response = await front.Client.PostAsync("forward", Stow(studies));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Server spans end after their response is written: wait until both ingests and both requests are in.
        var trace = await PollAsync(() =>
        {
            var all = spans.Of(traceId);
            return all.Count(s => s.OperationName == "ingest") == 2 && all.Count(IsServer) == 2 ? all : null;
        });

        var byId = trace.ToDictionary(s => s.SpanId);
        // Nothing in the trace hangs from a parent outside it: the context crossed both HTTP hops.
        Assert.All(trace.Where(s => s.OperationName != "send study"), s => Assert.Contains(s.ParentSpanId, byId.Keys));
        var servers = trace.Where(IsServer).ToList();
        var frontServer = Assert.Single(servers, s => Ancestors(s, byId).All(a => !IsServer(a)));
        var dicomWebServer = Assert.Single(servers, s => s != frontServer);
        Assert.Contains(frontServer, Ancestors(dicomWebServer, byId));
        Assert.Equal(ActivityKind.Client, byId[dicomWebServer.ParentSpanId].Kind);

        var ingests = trace.Where(s => s.OperationName == "ingest").ToList();
        Assert.All(ingests, ingest =>
        {
            Assert.Equal(dicomWebServer.SpanId, ingest.ParentSpanId);
            Assert.Equal("stored", ingest.GetTagItem("pacs.ingest.outcome"));
            var steps = trace.Where(s => s.ParentSpanId == ingest.SpanId).Select(s => s.OperationName).Order().ToList();
            Assert.Equal(["ingest blob put", "ingest commit", "ingest reserve"], steps);
        });
        Assert.Equal(studies.Instances.Select(i => i.SopInstanceUid).Order(), ingests.Select(s => (string)s.GetTagItem("dicom.sop_instance_uid")!).Order());
        Assert.Equal(2, dicomWebServer.GetTagItem("pacs.stow.stored"));
    }

    [Fact]
    public async Task Ingest_metrics_count_stored_objects_and_their_bytes_by_outcome()
    {
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1",
            "--instances-per-series", "3", "--rows", "8", "--cols", "8", "--seed", "12");
        var exporter = new MetricCollector();
        using var reader = new BaseExportingMetricReader(exporter);
        await using var dicomWeb = await DicomWebHost.StartAsync(new Dictionary<string, string?>(),
            builder => builder.Services.AddSingleton(new TelemetryHooks { MetricReaders = { reader } }));

        using (var response = await dicomWeb.Client.PostAsync("dicom-web/studies", Stow(studies)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The same objects again: identical re-sends are answered as already stored.
        using (var response = await dicomWeb.Client.PostAsync("dicom-web/studies", Stow(studies)))
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");

        // The meter is process-wide, so other tests' ingests may add to the sums: ours are at least there.
        Assert.True(reader.Collect(timeoutMilliseconds: 10_000));
        long expectedBytes = studies.Instances.Sum(i => new FileInfo(studies.FullPath(i)).Length);
        Assert.True(exporter.Sum("pacs.ingest.instances", "stored") >= 3);
        Assert.True(exporter.Sum("pacs.ingest.instances", "already_stored") >= 3);
        Assert.True(exporter.Sum("pacs.ingest.bytes", "stored") >= expectedBytes);
        Assert.True(exporter.Count("pacs.ingest.duration", "stored") >= 3);
    }

    private static bool IsServer(Activity span) => span.Source.Name == "Microsoft.AspNetCore" && span.Kind == ActivityKind.Server;

    private static List<Activity> Ancestors(Activity span, Dictionary<ActivitySpanId, Activity> byId)
    {
        var result = new List<Activity>();
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
            result.Add(parent);
        return result;
    }

    private static MultipartContent Stow(GeneratedStudies studies)
    {
        var content = new MultipartContent("related", $"test-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var instance in studies.Instances)
        {
            var part = new ByteArrayContent(File.ReadAllBytes(studies.FullPath(instance)));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }
        return content;
    }

    private static async Task<T> PollAsync<T>(Func<T?> probe)
        where T : class
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (probe() is { } found)
                return found;
            Assert.True(DateTime.UtcNow < until, "The expected spans did not all end in time.");
            await Task.Delay(20);
        }
    }

    /// <summary>Every span the provider ends, as the OTLP exporter would receive it.</summary>
    private sealed class SpanCollector : BaseProcessor<Activity>
    {
        private readonly ConcurrentQueue<Activity> _ended = new();

        public override void OnEnd(Activity data) => _ended.Enqueue(data);

        public List<Activity> Of(ActivityTraceId traceId) => _ended.Where(a => a.TraceId == traceId).ToList();
    }

    /// <summary>The sums and counts of each exported metric point, keyed by instrument and outcome tag.</summary>
    private sealed class MetricCollector : BaseExporter<Metric>
    {
        private readonly ConcurrentDictionary<(string, string?), (long Sum, long Count)> _points = new();

        public long Sum(string instrument, string outcome) => _points.TryGetValue((instrument, outcome), out var p) ? p.Sum : 0;

        public long Count(string instrument, string outcome) => _points.TryGetValue((instrument, outcome), out var p) ? p.Count : 0;

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    string? outcome = null;
                    foreach (var tag in point.Tags)
                    {
                        if (tag.Key == "pacs.ingest.outcome")
                            outcome = tag.Value as string;
                    }
                    (long Sum, long Count) value = metric.MetricType switch
                    {
                        MetricType.LongSum => (point.GetSumLong(), 0),
                        MetricType.Histogram => ((long)point.GetHistogramSum(), point.GetHistogramCount()),
                        _ => (0, 0),
                    };
                    // Cumulative temporality: each export holds the totals so far. (Refusals split further by failure
                    // reason; the outcomes asserted here have none.)
                    _points[(metric.Name, outcome)] = value;
                }
            }
            return ExportResult.Success;
        }
    }
}
