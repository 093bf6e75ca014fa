using System.Data.Common;
using Pacs.Dicom;
using Microsoft.EntityFrameworkCore;
using Pacs.Archive;
using Pacs.Archive.Tests.Support;
using Pacs.Indexer.Tests.Support;
using Pacs.Messaging.Contracts;
using Pacs.Testing;

namespace Pacs.Indexer.Tests;

/// <summary>
/// The projector's batches: many events in one transaction give what they give one at a time, copies are applied once,
/// a poison event fails alone, and a submitted event is answered only after its commit. On both databases.
/// </summary>
[Collection(PeersCollection.Name)]
public sealed class BatchTests(PostgresServer postgres, RabbitMqServer rabbit)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private Task<Site> SiteAsync(bool pg) => pg ? Site.CreateAsync(postgres) : Site.CreateSqliteAsync();

    private static IndexProjector Projector(Site site) => new(site.Database, site.Ingest, new IndexerOptions { DurableCommits = false });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Batches_of_mixed_events_give_the_same_aggregates_and_revisions_as_one_by_one(bool pg)
    {
        // The same history on three indexes (same UIDs, same order: same watermarks), applied one by one, in batches of
        // four, and in one batch per phase. Phase two deletes, after phase one's events were applied.
        var w = World.New();
        await using var oneByOne = await SiteAsync(pg);
        await using var inFours = await SiteAsync(pg);
        await using var whole = await SiteAsync(pg);
        var projectors = new[] { Projector(oneByOne), Projector(inFours), Projector(whole) };
        var sizes = new[] { 1, 4, int.MaxValue };
        var sites = new[] { oneByOne, inFours, whole };
        var applied = new int[3];
        foreach (var phase in new Func<Site, World, Task>[] { StoreAndReplaceAsync, DeleteAsync })
        {
            for (int s = 0; s < 3; s++)
            {
                await phase(sites[s], w);
                var events = (await EventsAsync(sites[s])).Skip(applied[s]).ToList();
                Assert.NotEmpty(events);
                applied[s] += events.Count;
                foreach (var chunk in events.Chunk(Math.Min(sizes[s], events.Count)))
                {
                    var outcomes = sizes[s] == 1 ? [new IndexEventOutcome(await projectors[s].ApplyAsync(chunk[0]), null)] : await projectors[s].ApplyBatchAsync(chunk);
                    Assert.All(outcomes, o => Assert.Equal(new IndexEventOutcome(true, null), o));
                }
            }
        }
        var events0 = await EventsAsync(oneByOne);
        Assert.Contains(events0, e => e is InstanceReplaced);
        Assert.Contains(events0, e => e is InstanceDeleted);
        var expected = await SnapshotAsync(oneByOne);
        Assert.Equal(expected, await SnapshotAsync(inFours));
        Assert.Equal(expected, await SnapshotAsync(whole));
        Assert.Equal(events0.Count, projectors[2].Applied);

        // And what that state is: the aggregates of the visible rows, revisions counting the events of each series
        // (the moved instance's replacement counts in both series) and of each study.
        var site = whole;
        var a1 = await site.SeriesSummaryAsync(w.SeriesA1);
        Assert.Equal((3, 5L, 6L), (a1!.NumberOfInstances, a1.NumberOfFrames, a1.Revision));
        var a2 = await site.SeriesSummaryAsync(w.SeriesA2);
        Assert.Equal((4, "MR", 6L), (a2!.NumberOfInstances, a2.Modality, a2.Revision));
        Assert.True(a2.DocumentStale);
        var studyA = await site.StudySummaryAsync(w.StudyA);
        Assert.Equal((2, 7, "CT\\MR", 11L), (studyA!.NumberOfSeries, studyA.NumberOfInstances, studyA.ModalitiesInStudy, studyA.Revision));
        var b1 = await site.SeriesSummaryAsync(w.SeriesB1);
        Assert.Equal((0, 0L, 0L, 4L), (b1!.NumberOfInstances, b1.SizeBytes, b1.LastWatermark, b1.Revision));
        var studyB = await site.StudySummaryAsync(w.StudyB);
        Assert.Equal((0, 0, (string?)null, 4L), (studyB!.NumberOfSeries, studyB.NumberOfInstances, studyB.ModalitiesInStudy, studyB.Revision));
        await using var db = site.Database.CreateContext();
        long sizeA1 = await db.Instances.Where(i => i.Series.SeriesInstanceUid == w.SeriesA1 && i.Status == InstanceStatus.Created).SumAsync(i => i.SizeBytes);
        Assert.Equal(sizeA1, a1.SizeBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Copies_of_an_event_inside_a_batch_and_across_batches_are_applied_once(bool pg)
    {
        await using var site = await SiteAsync(pg);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 5; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        var e = await EventsAsync(site);
        var projector = Projector(site);

        var first = await projector.ApplyBatchAsync([e[0], e[1], e[0], e[2]]);
        Assert.Equal([true, true, false, true], first.Select(o => o.Applied));
        var second = await projector.ApplyBatchAsync([e[2], e[3], e[1], e[4], e[4]]);
        Assert.Equal([false, true, false, true, false], second.Select(o => o.Applied));
        Assert.All(first.Concat(second), o => Assert.Null(o.Failure));
        // And a copy applied alone after both.
        Assert.False(await projector.ApplyAsync(e[3]));

        Assert.Equal((5L, 5L), (projector.Applied, projector.Duplicates));
        var summary = await site.SeriesSummaryAsync(series);
        Assert.Equal((5, 5L), (summary!.NumberOfInstances, summary.Revision));
        Assert.Equal(5L, (await site.StudySummaryAsync(study))!.Revision);
        await using var db = site.Database.CreateContext();
        Assert.Equal(5, await db.Inbox.CountAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_poison_event_in_a_batch_fails_alone_and_the_others_are_applied(bool pg)
    {
        await using var site = await SiteAsync(pg);
        string study = TestDicom.NewUid(), good = TestDicom.NewUid(), poisoned = TestDicom.NewUid();
        for (int i = 0; i < 6; i++)
            await site.IngestAsync(TestDicom.Create(study, i == 2 ? poisoned : good, TestDicom.NewUid(), seed: i));
        var events = await EventsAsync(site);
        // The database refuses any summary of one series: a failure inside the batch's transaction.
        await RefuseSummariesOfAsync(site, pg, poisoned);
        var projector = Projector(site);

        var outcomes = await projector.ApplyBatchAsync(events);

        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].SeriesInstanceUid == poisoned)
            {
                Assert.NotNull(outcomes[i].Failure);
                Assert.False(outcomes[i].Applied);
            }
            else
            {
                Assert.Equal(new IndexEventOutcome(true, null), outcomes[i]);
            }
        }
        Assert.Equal(5, (await site.SeriesSummaryAsync(good))!.Revision);
        Assert.Null(await site.SeriesSummaryAsync(poisoned));
        await using (var db = site.Database.CreateContext())
        {
            // Its inbox record went with its effect: the event is still to be applied.
            var keys = await db.Inbox.Select(i => i.MessageId).ToListAsync();
            Assert.Equal(events.Where(e => e.SeriesInstanceUid == good).Select(e => e.DedupeKey).Order(), keys.Order());
        }

        // Once the database takes it, the same event (as the bus redelivers it) is applied, once.
        await AcceptSummariesAsync(site, pg);
        var again = await projector.ApplyBatchAsync(events);
        Assert.Equal(events.Select(e => e.SeriesInstanceUid == poisoned), again.Select(o => o.Applied));
        Assert.Equal((1L, 5L), ((await site.SeriesSummaryAsync(poisoned))!.Revision, (await site.SeriesSummaryAsync(good))!.Revision));
        Assert.Equal(6L, (await site.StudySummaryAsync(study))!.Revision);
    }

    [Fact]
    public async Task Two_replicas_applying_overlapping_batches_of_one_study_at_once_apply_each_event_once()
    {
        await using var site = await Site.CreateAsync(postgres);
        string study = TestDicom.NewUid();
        string[] series = [TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()];
        for (int i = 0; i < 36; i++)
            await site.IngestAsync(TestDicom.Create(study, series[i % 3], TestDicom.NewUid(), seed: i));
        var events = await EventsAsync(site);
        // Two processes: each its own database access (pool, group commit) and projector, so only the database's
        // concurrency checks keep them apart. Every event reaches both (a republish), in different batchings and orders.
        var first = Projector(site);
        var otherDatabase = new ArchiveDatabase(site.DatabaseOptions);
        var second = new IndexProjector(otherDatabase, new IngestService(otherDatabase, site.Store, site.Archive), new IndexerOptions { DurableCommits = false });

        async Task RunAsync(IndexProjector projector, IEnumerable<InstanceEventBase> order, int size)
        {
            foreach (var chunk in order.Chunk(size))
                Assert.All(await projector.ApplyBatchAsync(chunk), o => Assert.Null(o.Failure));
        }
        await Task.WhenAll(
            Task.Run(() => RunAsync(first, events, 5)),
            Task.Run(() => RunAsync(second, Enumerable.Reverse(events), 7)));

        Assert.Equal((36L, 36L), (first.Applied + second.Applied, first.Duplicates + second.Duplicates));
        foreach (string s in series)
            Assert.Equal((12, 12L), ((await site.SeriesSummaryAsync(s))!.NumberOfInstances, (await site.SeriesSummaryAsync(s))!.Revision));
        var summary = await site.StudySummaryAsync(study);
        Assert.Equal((3, 36, 36L), (summary!.NumberOfSeries, summary.NumberOfInstances, summary.Revision));
    }

    [Fact]
    public async Task A_submitted_event_is_answered_only_after_the_transaction_holding_its_effect_committed()
    {
        await using var site = await Site.CreateAsync(postgres);
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        for (int i = 0; i < 5; i++)
            await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: i));
        var events = await EventsAsync(site);
        var projector = Projector(site);

        // Another session holds the summaries table: the batch's transaction records its inbox keys and then waits.
        await using var blocker = new Npgsql.NpgsqlConnection(site.DatabaseOptions.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await ExecuteAsync(blocker, "LOCK TABLE series_summaries IN ACCESS EXCLUSIVE MODE");

        var submitted = events.Select(e => projector.SubmitAsync(e)).ToList();
        // Watched from a third session: a transaction sees pg_stat_activity as of its first look.
        await using var monitor = new Npgsql.NpgsqlConnection(site.DatabaseOptions.ConnectionString);
        await monitor.OpenAsync();
        await Poll.UntilAsync(async () => await CountLockWaitersAsync(monitor) > 0, Deadline, "the batch waiting for the lock");
        Assert.All(submitted, t => Assert.False(t.IsCompleted));
        Assert.Equal(0L, await ScalarAsync(blocker, "SELECT COUNT(*) FROM inbox"));

        await hold.RollbackAsync();
        Assert.All(await Task.WhenAll(submitted), Assert.True);
        // Those submitted while the first batch waited went together in the next.
        Assert.InRange(projector.Batches, 1, 2);
        Assert.Equal(5L, await ScalarAsync(blocker, "SELECT COUNT(*) FROM inbox"));
        Assert.Equal(5L, (await site.SeriesSummaryAsync(series))!.Revision);
    }

    [Fact]
    public async Task On_the_bus_a_poison_event_among_concurrent_deliveries_goes_to_the_error_queue_alone()
    {
        await using var site = await Site.CreateAsync(postgres);
        string study = TestDicom.NewUid(), good = TestDicom.NewUid(), poisoned = TestDicom.NewUid();
        await RefuseSummariesOfAsync(site, pg: true, poisoned);
        // Everything is in the outbox before the indexer starts, so the deliveries arrive together.
        for (int i = 0; i < 20; i++)
            await site.IngestAsync(TestDicom.Create(study, i == 7 ? poisoned : good, TestDicom.NewUid(), seed: i));

        var bus = Node.RabbitBus(rabbit, site);
        await using var node = await Node.StartAsync(site, bus, dispatcher: false, indexer: new IndexerOptions { ReconcileAtStart = false });
        await RabbitQueues.WaitForConsumerAsync(rabbit, site.Prefix + "indexer", Deadline);
        await using var publisher = await Node.StartAsync(site, bus);
        await Poll.UntilAsync(async () => await rabbit.CountMessagesAsync(site.Prefix + "indexer_error") == 1, Deadline, "the poison event in the error queue");
        await Poll.UntilAsync(() => node.Projector.Applied == 19, Deadline, "the other 19 applied");

        Assert.Equal((19, 19L), ((await site.SeriesSummaryAsync(good))!.NumberOfInstances, (await site.SeriesSummaryAsync(good))!.Revision));
        Assert.Null(await site.SeriesSummaryAsync(poisoned));
        Assert.Equal(0u, await rabbit.CountMessagesAsync(site.Prefix + "indexer"));
        Assert.True(node.Projector.Batches < 19 + 3, $"{node.Projector.Batches} batches for 19 events and the poison one's three attempts");
    }

    /// <summary>
    /// Study A: series A1 (CT, one instance of three frames) and A2 (MR); one A1 instance replaced within A1, one
    /// replaced by a version in A2, then one A2 instance deleted. Study B: one series, stored and then deleted whole.
    /// </summary>
    private sealed record World(string StudyA, string SeriesA1, string SeriesA2, string StudyB, string SeriesB1, string[] A1, string[] A2, string[] B1)
    {
        public static World New() => new(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid(),
            Uids(4), Uids(4), Uids(2));

        private static string[] Uids(int n) => Enumerable.Range(0, n).Select(_ => TestDicom.NewUid()).ToArray();
    }

    private static void Mr(DicomDataset ds) => ds.Set(DicomTag.Modality, "MR");

    private static async Task StoreAndReplaceAsync(Site site, World w)
    {
        for (int i = 0; i < 4; i++)
        {
            await site.IngestAsync(TestDicom.Create(w.StudyA, w.SeriesA1, w.A1[i], seed: i, frames: i == 0 ? 3 : 1));
            await site.IngestAsync(TestDicom.Create(w.StudyA, w.SeriesA2, w.A2[i], seed: 10 + i, edit: Mr));
        }
        var replace = new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace };
        await site.IngestAsync(TestDicom.Create(w.StudyA, w.SeriesA1, w.A1[1], seed: 20), replace);
        await site.IngestAsync(TestDicom.Create(w.StudyA, w.SeriesA2, w.A1[2], seed: 21, edit: Mr), replace);
        for (int i = 0; i < 2; i++)
            await site.IngestAsync(TestDicom.Create(w.StudyB, w.SeriesB1, w.B1[i], seed: 30 + i));
    }

    private static async Task DeleteAsync(Site site, World w)
    {
        var delete = new DeleteService(site.Database, site.Store);
        Assert.Equal(1, await delete.DeleteInstanceAsync(w.StudyA, w.SeriesA2, w.A2[3]));
        Assert.Equal(2, await delete.DeleteSeriesAsync(w.StudyB, w.SeriesB1));
    }

    private static async Task<List<InstanceEventBase>> EventsAsync(Site site)
    {
        await using var db = site.Database.CreateContext();
        var rows = await db.Outbox.AsNoTracking().OrderBy(o => o.Id).ToListAsync();
        return rows.Select(r => EventCatalog.Deserialize(r.MessageType, r.Payload)).OfType<InstanceEventBase>().ToList();
    }

    /// <summary>Every summary column but the times, in a stable order.</summary>
    private static async Task<List<string>> SnapshotAsync(Site site)
    {
        await using var db = site.Database.CreateContext();
        var series = (await db.SeriesSummaries.AsNoTracking().ToListAsync())
            .Select(s => $"series {s.SeriesInstanceUid} {s.StudyInstanceUid} {s.Modality} {s.NumberOfInstances} {s.NumberOfFrames} {s.SizeBytes} {s.LastWatermark} r{s.Revision} d{s.DocumentRevision} {s.DocumentStale}");
        var studies = (await db.StudySummaries.AsNoTracking().ToListAsync())
            .Select(s => $"study {s.StudyInstanceUid} {s.NumberOfSeries} {s.NumberOfInstances} {s.SizeBytes} {s.LastWatermark} {s.ModalitiesInStudy} r{s.Revision}");
        return series.Concat(studies).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task RefuseSummariesOfAsync(Site site, bool pg, string series)
    {
        await using var db = site.Database.CreateContext();
        // UIDs are digits and dots (PS3.5 9.1): safe inside the statement text.
        if (pg)
        {
            string sql = $"""
                CREATE FUNCTION refuse_poisoned_series() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.series_instance_uid = '{series}' THEN RAISE EXCEPTION 'summaries of series {series} are refused'; END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_poisoned_series BEFORE INSERT OR UPDATE ON series_summaries FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_series();
                """;
            await db.Database.ExecuteSqlRawAsync(sql);
        }
        else
        {
            foreach (string operation in new[] { "INSERT", "UPDATE" })
            {
                string sql = $"""
                    CREATE TRIGGER refuse_poisoned_series_{operation.ToLowerInvariant()} BEFORE {operation} ON series_summaries
                    WHEN NEW.series_instance_uid = '{series}' BEGIN SELECT RAISE(ABORT, 'summaries of series {series} are refused'); END;
                    """;
                await db.Database.ExecuteSqlRawAsync(sql);
            }
        }
    }

    private static async Task AcceptSummariesAsync(Site site, bool pg)
    {
        await using var db = site.Database.CreateContext();
        if (pg)
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_poisoned_series ON series_summaries; DROP FUNCTION refuse_poisoned_series();");
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_poisoned_series_insert;");
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_poisoned_series_update;");
        }
    }

    /// <summary>Sessions of this database waiting for a lock.</summary>
    private static async Task<long> CountLockWaitersAsync(DbConnection connection) =>
        await ScalarAsync(connection, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
