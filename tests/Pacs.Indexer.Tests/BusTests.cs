using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Pacs.Archive;
using Pacs.Archive.Tests.Support;
using Pacs.Indexer.Tests.Support;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Contracts;
using Pacs.Testing;

namespace Pacs.Indexer.Tests;

/// <summary>The outbox, the dispatcher and the bus conventions on a real RabbitMQ over a real PostgreSQL index.</summary>
[Collection(PeersCollection.Name)]
public sealed class BusTests(PostgresServer postgres, RabbitMqServer rabbit)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Outbox_events_of_each_study_arrive_in_the_order_ingest_wrote_them()
    {
        await using var site = await Site.CreateAsync(postgres);
        var received = new ConcurrentQueue<InstanceStored>();
        var bus = Node.RabbitBus(rabbit, site);
        // One message at a time on the receiving side, so arrival order is delivery order.
        bus.ConcurrentMessageLimit = 1;
        bus.PrefetchCount = 1;
        await using var node = await Node.StartAsync(site, bus,
            consumers: x => x.AddConsumer<RecordingConsumer>().Endpoint(e => e.Name = site.Prefix + "recorder"),
            services: s => s.AddSingleton(received));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "recorder", Deadline);

        // Three studies written interleaved, so the dispatcher publishes several keys at once within each round.
        string[] studies = [TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()];
        string[] series = [TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()];
        var written = new List<(string Study, long Watermark)>();
        for (int i = 0; i < 60; i++)
        {
            int s = i % 3;
            var r = await site.IngestAsync(TestDicom.Create(studies[s], series[s], TestDicom.NewUid(), seed: i));
            written.Add((studies[s], r.Watermark!.Value));
        }

        await Poll.UntilAsync(() => received.Count >= 60, Deadline, "all 60 events received");
        foreach (var study in studies)
        {
            var expected = written.Where(w => w.Study == study).Select(w => w.Watermark).ToList();
            var arrived = received.Where(e => e.StudyInstanceUid == study).Select(e => e.Watermark).ToList();
            Assert.Equal(expected, arrived);
        }
        Assert.Equal(0, await site.Outbox.CountPendingAsync());
    }

    [Fact]
    public async Task A_redelivered_or_republished_event_is_applied_once()
    {
        await using var site = await Site.CreateAsync(postgres);
        await using var node = await Node.StartAsync(site, Node.RabbitBus(rabbit, site), indexer: new IndexerOptions { ReconcileAtStart = false });
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "indexer", Deadline);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 3; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        await Poll.UntilAsync(() => node.Projector.Applied == 3, Deadline, "three events applied");

        // A dispatcher that died after publishing but before marking: every row goes out again.
        await using (var db = site.Database.CreateContext())
            await db.Outbox.Where(o => o.MessageType == EventCatalog.InstanceStored).ExecuteUpdateAsync(s => s.SetProperty(o => o.DispatchedAt, (DateTimeOffset?)null));
        node.Dispatcher.Wake();
        OutboxMessageRow pending;
        await using (var db = site.Database.CreateContext())
            pending = await db.Outbox.AsNoTracking().Where(o => o.MessageType == EventCatalog.InstanceStored).OrderBy(o => o.Id).FirstAsync();
        // And the broker hands one of them out once more (same message id, as a redelivery would).
        var copy = (InstanceStored)EventCatalog.Deserialize(pending.MessageType, pending.Payload);
        await ((IBus)node.Services.GetService(typeof(IBus))!).Publish(copy, c => c.MessageId = EventCatalog.MessageIdOf(copy));

        await Poll.UntilAsync(() => node.Projector.Duplicates == 4, Deadline, "four copies recognised");
        var summary = await site.SeriesSummaryAsync(series);
        Assert.NotNull(summary);
        Assert.Equal((3, 3L), (summary.NumberOfInstances, summary.Revision));
        Assert.Equal(3L, node.Projector.Applied);
        await using (var db = site.Database.CreateContext())
            Assert.Equal(3, await db.Inbox.CountAsync());
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_error_queue_after_its_retries()
    {
        await using var site = await Site.CreateAsync(postgres);
        var attempts = new FailureCounter();
        await using var node = await Node.StartAsync(site, Node.RabbitBus(rabbit, site),
            consumers: x => x.AddConsumer<FailingConsumer>().Endpoint(e => e.Name = site.Prefix + "failing"),
            services: s => s.AddSingleton(attempts));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "failing", Deadline);

        await site.IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        await Poll.UntilAsync(async () => await rabbit.CountMessagesAsync(site.Prefix + "failing_error") == 1, Deadline, "the message in the error queue");
        // The first attempt and the two retries of Node.RabbitBus (10 ms, 20 ms); none after it was moved.
        Assert.Equal(3, attempts.Count);
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "failing"));
    }

    [Fact]
    public async Task On_plain_RabbitMQ_a_message_that_fails_past_its_immediate_retries_is_consumed_again_after_the_redelivery_interval()
    {
        await using var site = await Site.CreateAsync(postgres);
        // The first attempt and both immediate retries fail; the attempt after the redelivery interval succeeds.
        var attempts = new FailureCounter { FailFirst = 3 };
        var bus = Node.RabbitBus(rabbit, site);
        bus.RedeliveryIntervalsSeconds = [1, 1];
        await using var node = await Node.StartAsync(site, bus,
            consumers: x => x.AddConsumer<FailingConsumer>().Endpoint(e => e.Name = site.Prefix + "flaky"),
            services: s => s.AddSingleton(attempts));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "flaky", Deadline);

        await site.IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        await Poll.UntilAsync(() => attempts.Succeeded == 1, Deadline, "the message consumed after its redelivery");
        Assert.Equal(4, attempts.Count);
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "flaky_error"));
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "flaky"));
    }

    [Fact]
    public async Task On_plain_RabbitMQ_a_poison_message_goes_to_the_error_queue_after_its_retries_and_redeliveries()
    {
        await using var site = await Site.CreateAsync(postgres);
        var attempts = new FailureCounter();
        var bus = Node.RabbitBus(rabbit, site);
        bus.RedeliveryIntervalsSeconds = [1];
        await using var node = await Node.StartAsync(site, bus,
            consumers: x => x.AddConsumer<FailingConsumer>().Endpoint(e => e.Name = site.Prefix + "poisoned"),
            services: s => s.AddSingleton(attempts));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "poisoned", Deadline);

        await site.IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));

        await Poll.UntilAsync(async () => await rabbit.CountMessagesAsync(site.Prefix + "poisoned_error") == 1, Deadline, "the message in the error queue");
        // The first attempt, two immediate retries, one redelivery; nothing after it was moved.
        Assert.Equal(4, attempts.Count);
        Assert.Equal(0, attempts.Succeeded);
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "poisoned"));
    }

    [Fact]
    public async Task On_plain_RabbitMQ_a_consumer_stopped_while_a_redelivery_is_due_leaves_the_message_on_the_broker()
    {
        await using var site = await Site.CreateAsync(postgres);
        var attempts = new FailureCounter();
        var bus = Node.RabbitBus(rabbit, site);
        // Far longer than the test: the consumer is stopped while it waits.
        bus.RedeliveryIntervalsSeconds = [600];
        var node = await Node.StartAsync(site, bus,
            consumers: x => x.AddConsumer<FailingConsumer>().Endpoint(e => e.Name = site.Prefix + "waiting"),
            services: s => s.AddSingleton(attempts));
        try
        {
            await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "waiting", Deadline);
            await site.IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));
            await Poll.UntilAsync(() => attempts.Count == 3, Deadline, "the immediate retries spent");
        }
        finally
        {
            await node.DisposeAsync();
        }

        // Not acknowledged, not faulted: back in the queue for the next consumer, none in the error queue.
        await Poll.UntilAsync(async () => await rabbit.CountMessagesAsync(site.Prefix + "waiting") == 1, Deadline, "the message back in its queue");
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "waiting_error"));
    }

    [Fact]
    public async Task A_message_no_consumer_of_the_queue_knows_goes_to_the_skipped_queue()
    {
        await using var site = await Site.CreateAsync(postgres);
        var received = new ConcurrentQueue<InstanceStored>();
        await using var node = await Node.StartAsync(site, Node.RabbitBus(rabbit, site), dispatcher: false,
            consumers: x => x.AddConsumer<RecordingConsumer>().Endpoint(e => e.Name = site.Prefix + "stored-only"),
            services: s => s.AddSingleton(received));
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "stored-only", Deadline);

        // A contract the queue's only consumer does not handle, sent straight to its queue (a producer newer than the consumer).
        var bus = (IBus)node.Services.GetService(typeof(IBus))!;
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{site.Prefix}stored-only"));
        await endpoint.Send(new InstanceDeleted
        {
            StudyInstanceUid = TestDicom.NewUid(),
            SeriesInstanceUid = TestDicom.NewUid(),
            SopInstanceUid = TestDicom.NewUid(),
            SopClassUid = "1.2.840.10008.5.1.4.1.1.7",
            Watermark = 1,
            Version = 1,
            SizeBytes = 0,
            BlobName = "nowhere",
        });

        await Poll.UntilAsync(async () => await rabbit.CountMessagesAsync(site.Prefix + "stored-only_skipped") == 1, Deadline, "the message in the skipped queue");
        Assert.Empty(received);
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "stored-only_error"));
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "stored-only"));
    }

    [Fact]
    public async Task Ingest_goes_on_while_RabbitMQ_is_down_and_every_event_arrives_after_it_returns()
    {
        await using var site = await Site.CreateAsync(postgres);
        await using var node = await Node.StartAsync(site, Node.RabbitBus(rabbit, site), indexer: new IndexerOptions { ReconcileAtStart = false });
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "indexer", Deadline);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 5; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        await Poll.UntilAsync(() => node.Projector.Applied == 5, Deadline, "the first five applied");

        await rabbit.StopAsync();
        try
        {
            for (int i = 5; i < 25; i++)
                await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
            await Poll.UntilAsync(() => node.Dispatcher.ConsecutiveFailures > 0, Deadline, "the dispatcher noticing the broker is gone");
            Assert.Equal(5L, node.Projector.Applied);
            Assert.True(await site.Outbox.CountPendingAsync() > 0);
        }
        finally
        {
            await rabbit.StartAsync();
        }

        await Poll.UntilAsync(() => node.Projector.Applied == 25, TimeSpan.FromSeconds(90), "all 25 applied after the broker returned");
        await Poll.UntilAsync(async () => await site.Outbox.CountPendingAsync() == 0, Deadline, "the outbox drained");
        var summary = await site.SeriesSummaryAsync(series);
        Assert.Equal(25, summary!.NumberOfInstances);
    }

    [Fact]
    public async Task Of_two_dispatchers_on_one_outbox_only_one_publishes_and_the_other_takes_over_when_it_stops()
    {
        await using var site = await Site.CreateAsync(postgres);
        var bus = Node.RabbitBus(rabbit, site);
        await using var indexer = await Node.StartAsync(site, bus, dispatcher: false, indexer: new IndexerOptions { ReconcileAtStart = false });
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "indexer", Deadline);
        var first = await Node.StartAsync(site, bus);
        await using var second = await Node.StartAsync(site, bus);
        await Poll.UntilAsync(() => first.Dispatcher.IsLeader || second.Dispatcher.IsLeader, Deadline, "a leader");
        var (leader, standby) = first.Dispatcher.IsLeader ? (first, second) : (second, first);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 5; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        await Poll.UntilAsync(() => indexer.Projector.Applied == 5, Deadline, "five applied");
        Assert.False(standby.Dispatcher.IsLeader);
        Assert.Equal(0L, standby.Dispatcher.Published);

        await leader.DisposeAsync();
        for (int i = 5; i < 10; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        await Poll.UntilAsync(() => indexer.Projector.Applied == 10, Deadline, "the standby published the next five");
        Assert.True(standby.Dispatcher.IsLeader);
        if (!ReferenceEquals(leader, first))
            await first.DisposeAsync();
    }

    public sealed class RecordingConsumer(ConcurrentQueue<InstanceStored> received) : IConsumer<InstanceStored>
    {
        public Task Consume(ConsumeContext<InstanceStored> context)
        {
            received.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    /// <summary>Counts attempts; the first <see cref="FailFirst"/> fail (all of them by default).</summary>
    public sealed class FailureCounter
    {
        private int _count;
        private int _succeeded;

        public int FailFirst { get; init; } = int.MaxValue;

        public int Count => Volatile.Read(ref _count);

        public int Succeeded => Volatile.Read(ref _succeeded);

        /// <summary>Records an attempt; true when it is to fail.</summary>
        public bool Add()
        {
            if (Interlocked.Increment(ref _count) <= FailFirst)
                return true;
            Interlocked.Increment(ref _succeeded);
            return false;
        }
    }

    public sealed class FailingConsumer(FailureCounter counter) : IConsumer<InstanceStored>
    {
        public Task Consume(ConsumeContext<InstanceStored> context) =>
            counter.Add() ? throw new InvalidOperationException("This consumer fails as told.") : Task.CompletedTask;
    }
}
