using Microsoft.EntityFrameworkCore;
using Pacs.Archive;
using Pacs.Archive.Tests.Support;
using Pacs.Indexer.Tests.Support;
using Pacs.Messaging.Bus;
using Pacs.Testing;

namespace Pacs.Indexer.Tests;

/// <summary>The embedded default: SQLite, the in-memory bus, the dispatcher and the indexer in one process.</summary>
public sealed class EmbeddedTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stores_and_deletes_reach_the_in_process_indexer_over_the_in_memory_bus()
    {
        await using var site = await Site.CreateSqliteAsync();
        await using var node = await Node.StartAsync(site, new BusOptions { Transport = BusTransport.InMemory },
            indexer: new IndexerOptions { DurableCommits = false, ReconcileAtStart = false });
        string study = TestDicom.NewUid();
        string[] series = [TestDicom.NewUid(), TestDicom.NewUid()];
        var sops = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            string sop = TestDicom.NewUid();
            sops.Add(sop);
            await site.IngestAsync(TestDicom.Create(study, series[i % 2], sop, seed: i));
        }
        await Poll.UntilAsync(() => node.Projector.Applied == 20, Deadline, "twenty stores applied");

        var delete = new DeleteService(site.Database, site.Store);
        Assert.Equal(1, await delete.DeleteInstanceAsync(study, series[0], sops[0]));
        Assert.Equal(10, await delete.DeleteSeriesAsync(study, series[1]));
        await Poll.UntilAsync(() => node.Projector.Applied == 31, Deadline, "eleven deletes applied");

        var first = await site.SeriesSummaryAsync(series[0]);
        Assert.Equal(9, first!.NumberOfInstances);
        var studySummary = await site.StudySummaryAsync(study);
        Assert.Equal((1, 9), (studySummary!.NumberOfSeries, studySummary.NumberOfInstances));
        Assert.Equal(0L, node.Projector.Duplicates);
    }

    [Fact]
    public async Task An_outbox_row_no_contract_can_read_is_set_aside_and_does_not_hold_up_its_study()
    {
        await using var site = await Site.CreateSqliteAsync();
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: 1));
        long bogusId;
        await using (var db = site.Database.CreateContext())
        {
            var row = new OutboxMessageRow { CreatedAt = DateTimeOffset.UtcNow, MessageType = "pacs.no-such-event.v9", Payload = "{}", OrderingKey = study };
            db.Outbox.Add(row);
            await db.SaveChangesAsync();
            bogusId = row.Id;
        }
        await site.IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: 2));

        await using var node = await Node.StartAsync(site, new BusOptions { Transport = BusTransport.InMemory },
            indexer: new IndexerOptions { DurableCommits = false, ReconcileAtStart = false });
        await Poll.UntilAsync(() => node.Projector.Applied == 2, Deadline, "both real events applied");

        await using var check = site.Database.CreateContext();
        var bogus = await check.Outbox.AsNoTracking().SingleAsync(o => o.Id == bogusId);
        Assert.NotNull(bogus.DispatchedAt);
        Assert.StartsWith(OutboxStore.UndeliverablePrefix, bogus.LastError);
        Assert.Contains("pacs.no-such-event.v9", bogus.LastError, StringComparison.Ordinal);
        // Kept for an operator: the purge of dispatched rows leaves it.
        Assert.Equal(2, await site.Outbox.PurgeDispatchedAsync(DateTimeOffset.UtcNow.AddDays(1)));
        Assert.True(await check.Outbox.AnyAsync(o => o.Id == bogusId));
    }
}
