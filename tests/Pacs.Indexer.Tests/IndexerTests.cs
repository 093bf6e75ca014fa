using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive;
using Pacs.Archive.Tests.Support;
using Pacs.Indexer.Tests.Support;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Tracing;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Indexer.Tests;

/// <summary>The indexer as a separate consumer: catching up, reconciling, documents, rebuild from the blob store.</summary>
[Collection(PeersCollection.Name)]
public sealed class IndexerTests(PostgresServer postgres, RabbitMqServer rabbit)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_stopped_indexer_catches_up_from_its_queue_when_it_returns_while_ingest_goes_on()
    {
        await using var site = await Site.CreateAsync(postgres);
        var bus = Node.RabbitBus(rabbit, site);
        // The ingest side (dispatcher only) and the indexer in separate hosts, as separate services would be.
        await using var ingest = await Node.StartAsync(site, bus);
        var noReconcile = new IndexerOptions { ReconcileAtStart = false };
        var indexer = await Node.StartAsync(site, bus, dispatcher: false, indexer: noReconcile);
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "indexer", Deadline);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 5; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        await Poll.UntilAsync(() => indexer.Projector.Applied == 5, Deadline, "the first five applied");

        await indexer.DisposeAsync();
        for (int i = 5; i < 30; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        // Everything was published and waits in the indexer's durable queue.
        await Poll.UntilAsync(async () => await site.Outbox.CountPendingAsync() == 0, Deadline, "the outbox drained while the indexer is down");
        Assert.Equal(5, (await site.SeriesSummaryAsync(series))!.NumberOfInstances);

        await using var returned = await Node.StartAsync(site, bus, dispatcher: false, indexer: noReconcile);
        await Poll.UntilAsync(() => returned.Projector.Applied == 25, Deadline, "the 25 missed events applied");
        var summary = await site.SeriesSummaryAsync(series);
        Assert.Equal((30, 30L), (summary!.NumberOfInstances, summary.Revision));
        Assert.Equal(0L, returned.Projector.Duplicates);
    }

    [Fact]
    public async Task An_indexer_that_never_received_the_events_reconciles_from_the_index_at_start()
    {
        await using var site = await Site.CreateAsync(postgres);
        string study = TestDicom.NewUid();
        string[] series = [TestDicom.NewUid(), TestDicom.NewUid()];
        for (int i = 0; i < 6; i++)
            await site.IngestAsync(TestDicom.Create(study, series[i % 2], TestDicom.NewUid(), seed: i));
        // Published on an in-memory bus that died with its process: the indexer never saw them.

        var options = new IndexerOptions();
        await using var node = await Node.StartAsync(site, new BusOptions { EntityPrefix = site.Prefix }, dispatcher: false, indexer: options);
        await Poll.UntilAsync(async () => (await site.StudySummaryAsync(study))?.NumberOfInstances == 6, Deadline, "study aggregates reconciled");

        var studySummary = await site.StudySummaryAsync(study);
        Assert.Equal(2, studySummary!.NumberOfSeries);
        Assert.Equal("CT", studySummary.ModalitiesInStudy);
        Assert.Equal(3, (await site.SeriesSummaryAsync(series[0]))!.NumberOfInstances);
        Assert.Equal(0L, node.Projector.Applied);
    }

    [Fact]
    public async Task A_series_gets_its_document_rebuilt_when_it_goes_quiet_and_is_announced_with_its_aggregates()
    {
        await using var site = await Site.CreateAsync(postgres);
        var documents = new RecordingDocuments();
        var announced = new ConcurrentQueue<(SeriesChanged Message, string? TraceParent)>();
        var options = new IndexerOptions { ReconcileAtStart = false, DocumentQuietPeriod = TimeSpan.FromMilliseconds(300), DocumentPollInterval = TimeSpan.FromMilliseconds(50) };
        var bus = Node.RabbitBus(rabbit, site);
        await using var node = await Node.StartAsync(site, bus, indexer: options,
            consumers: x => x.AddConsumer<SeriesChangedRecorder>().Endpoint(e => e.Name = site.Prefix + "series-watch"),
            services: s =>
            {
                s.AddSingleton<ISeriesMetadataDocuments>(documents);
                s.AddSingleton(announced);
            });

        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "series-watch", Deadline);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 10; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));

        await Poll.UntilAsync(async () => announced.Any(a => a.Message.NumberOfInstances == 10) && (await site.SeriesSummaryAsync(series))?.DocumentStale == false,
            Deadline, "the document current and SeriesChanged for all ten instances");
        var last = announced.Last(a => a.Message.SeriesInstanceUid == series);
        Assert.Equal((study, 10, false), (last.Message.StudyInstanceUid, last.Message.NumberOfInstances, last.Message.Removed));
        // Built when the series went quiet, not once per instance.
        Assert.InRange(documents.Calls(series), 1, 3);
        var summary = await site.SeriesSummaryAsync(series);
        Assert.False(summary!.DocumentStale);
        Assert.Equal(summary.Revision, summary.DocumentRevision);
        Assert.Equal(10, (await site.StudySummaryAsync(study))!.NumberOfInstances);
    }

    [Fact]
    public async Task Instance_events_carry_the_traceparent_of_the_request_that_stored_them()
    {
        await using var site = await Site.CreateAsync(postgres);
        var seen = new ConcurrentQueue<(InstanceStored Message, string? TraceParent)>();
        await using var node = await Node.StartAsync(site, Node.RabbitBus(rabbit, site),
            consumers: x => x.AddConsumer<TraceRecorder>().Endpoint(e => e.Name = site.Prefix + "trace-watch"),
            services: s => s.AddSingleton(seen));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "trace-watch", Deadline);

        using var listener = ListenToPacsActivities();
        string traceId;
        using (var request = new ActivitySource("Pacs.Indexer.Tests").StartActivity("STOW-RS request"))
        {
            Assert.NotNull(request);
            traceId = request.TraceId.ToString();
            for (int i = 0; i < 3; i++)
                await site.IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), seed: i));
        }

        // Ingest captured the request's context into each outbox row, and the dispatcher put it into the message headers.
        await Poll.UntilAsync(() => seen.Count == 3, Deadline, "the three events received");
        Assert.All(seen, s => Assert.Equal(traceId, s.TraceParent?.Split('-')[1]));
        await using var db = site.Database.CreateContext();
        Assert.All(await db.Outbox.AsNoTracking().Select(o => o.TraceParent).ToListAsync(), t => Assert.Equal(traceId, t?.Split('-')[1]));
    }

    [Fact]
    public async Task Rebuild_from_the_blob_store_restores_the_index_and_reports_what_it_could_not_read()
    {
        await using var original = await Site.CreateAsync(postgres);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), replaced = TestDicom.NewUid();
        var stored = new List<string>();
        for (int i = 0; i < 8; i++)
            stored.Add((await original.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i))).SopInstanceUid!);
        await original.IngestAsync(TestDicom.Create(study, series, replaced, seed: 100));
        await original.IngestAsync(TestDicom.Create(study, series, replaced, seed: 101), new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace });
        // What the disaster left in the store besides good objects: garbage and a cut-off object.
        string garbage = $"{original.Archive.BlobPrefix}/1.2.3.999/{BlobNames.Unique("x")[2..]}";
        await original.Store.PutAsync(garbage, new MemoryStream("not DICOM at all"u8.ToArray()));
        byte[] whole = TestDicom.Create(study, series, TestDicom.NewUid(), seed: 7);
        string cut = $"{original.Archive.BlobPrefix}/1.2.3.998/{BlobNames.Unique("x")[2..]}";
        await original.Store.PutAsync(cut, new MemoryStream(whole[..200]));

        // The index is lost: a new, empty database over the same blob folder.
        await using var recovered = await Site.CreateAsync(postgres, folder: null);
        var ingest = new IngestService(recovered.Database, original.Store, original.Archive);
        var rebuilder = new IndexRebuilder(original.Store, ingest, original.Archive) { ProgressEvery = 3 };
        var progress = new List<RebuildProgress>();
        var report = await rebuilder.RebuildAsync(new SynchronousProgress<RebuildProgress>(progress.Add));

        Assert.Equal(12, report.BlobsSeen);
        Assert.Equal(9, report.Count(StoredBlobOutcome.Indexed));
        // The two versions of the replaced instance: whichever the store lists first is indexed, the other replaces it
        // (listed older first) or is recognised as older (listed newer first; the file store lists by hash shard).
        Assert.True(report.Count(StoredBlobOutcome.Replaced) + report.Count(StoredBlobOutcome.Older) == 1, string.Join("; ", report.ToLines()));
        Assert.Equal([cut, garbage], report.NotIndexed.Select(r => r.BlobName).Order(StringComparer.Ordinal));
        Assert.All(report.NotIndexed, r => Assert.False(string.IsNullOrEmpty(r.Reason)));
        Assert.Contains(report.ToLines(), l => l.Contains(garbage, StringComparison.Ordinal));
        Assert.NotEmpty(progress);
        Assert.Equal(12, progress[^1].BlobsSeen);

        // Every instance is back, the replaced one at its newer version, with the bytes the original index recorded.
        await using var a = original.Database.CreateContext();
        await using var b = recovered.Database.CreateContext();
        var before = await a.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Created)
            .OrderBy(i => i.SopInstanceUid).Select(i => new { i.SopInstanceUid, i.BlobName, i.Sha256, i.SizeBytes }).ToListAsync();
        var after = await b.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Created)
            .OrderBy(i => i.SopInstanceUid).Select(i => new { i.SopInstanceUid, i.BlobName, i.Sha256, i.SizeBytes }).ToListAsync();
        Assert.Equal(before.Select(x => (x.SopInstanceUid, x.BlobName, Convert.ToHexString(x.Sha256), x.SizeBytes)),
            after.Select(x => (x.SopInstanceUid, x.BlobName, Convert.ToHexString(x.Sha256), x.SizeBytes)));
        // The outbox announces each of them, so the indexer derives its data as after any ingest; a second run changes nothing.
        Assert.Equal(10, await b.Outbox.CountAsync());
        var again = await rebuilder.RebuildAsync();
        Assert.Equal(10, again.Count(StoredBlobOutcome.AlreadyIndexed));
        Assert.Equal(10, await b.Outbox.CountAsync());
    }

    private static ActivityListener ListenToPacsActivities()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is MessageTracing.SourceName or "Pacs.Indexer.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    public sealed class RecordingDocuments : ISeriesMetadataDocuments
    {
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

        public int Calls(string series) => _calls.GetValueOrDefault(series);

        public Task RebuildAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default)
        {
            _calls.AddOrUpdate(seriesInstanceUid, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    public sealed class SeriesChangedRecorder(ConcurrentQueue<(SeriesChanged, string?)> seen) : IConsumer<SeriesChanged>
    {
        public Task Consume(ConsumeContext<SeriesChanged> context)
        {
            seen.Enqueue((context.Message, context.Headers.Get<string>(MessageTracing.TraceParentHeader)));
            return Task.CompletedTask;
        }
    }

    public sealed class TraceRecorder(ConcurrentQueue<(InstanceStored, string?)> seen) : IConsumer<InstanceStored>
    {
        public Task Consume(ConsumeContext<InstanceStored> context)
        {
            seen.Enqueue((context.Message, context.Headers.Get<string>(MessageTracing.TraceParentHeader)));
            return Task.CompletedTask;
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
