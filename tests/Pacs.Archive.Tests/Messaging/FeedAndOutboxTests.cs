using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive.Tests.Support;
using Pacs.Messaging.Contracts;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Messaging;

/// <summary>The change feed and the outbox as their readers see them.</summary>
public abstract class FeedAndOutboxTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    [Fact]
    public async Task Change_feed_lists_stores_replacements_and_deletes_in_order_from_a_position()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid(), sop = TestDicom.NewUid();
        await IngestAsync(TestDicom.Create(study, series, sop, seed: 1));
        await IngestAsync(TestDicom.Create(study, series, sop, seed: 2), new IngestOptions { DuplicatePolicy = DuplicatePolicy.Replace });
        await Archive.Delete.DeleteStudyAsync(study);
        var reader = new ChangeFeedReader(Archive.Database);

        var all = await reader.ReadAsync();
        var after = await reader.ReadAsync(afterSequence: all[0].Sequence, limit: 1);

        Assert.Equal([ChangeFeedAction.Created, ChangeFeedAction.Replaced, ChangeFeedAction.Deleted], all.Select(e => e.Action));
        Assert.All(all, e => Assert.Equal(sop, e.SopInstanceUid));
        Assert.Equal([1, 2, 2], all.Select(e => e.Version));
        Assert.Equal(all[1], Assert.Single(after));
        Assert.Equal(all[^1].Sequence, await reader.LatestAsync());
    }

    [Fact]
    public async Task Outbox_hands_out_pending_events_until_they_are_marked_dispatched()
    {
        var first = await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));
        await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));
        var outbox = new OutboxStore(Archive.Database);

        var pending = await outbox.ReadPendingAsync();
        await outbox.RecordFailureAsync(pending[1].Id, "bus down");
        await outbox.MarkDispatchedAsync([pending[0].Id]);
        var left = await outbox.ReadPendingAsync();

        Assert.Equal(2, pending.Count);
        var stored = Assert.IsType<InstanceStored>(EventCatalog.Deserialize(pending[0].MessageType, pending[0].Payload));
        Assert.Equal(OutboxMessageTypes.InstanceStored, pending[0].MessageType);
        Assert.Equal((first.SopInstanceUid, first.Watermark), (stored.SopInstanceUid, (long?)stored.Watermark));
        var retry = Assert.Single(left);
        Assert.Equal((pending[1].Id, 1), (retry.Id, retry.Attempts));
    }

    [Fact]
    public async Task Service_registration_resolves_every_archive_service()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IBlobStore>(Archive.Store);
        services.AddPacsArchive(Archive.Database.Options);
        await using var provider = services.BuildServiceProvider();

        var ingest = provider.GetRequiredService<IngestService>();
        var result = await ingest.IngestAsync(new MemoryStream(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid())));

        Assert.Equal(IngestOutcome.Stored, result.Outcome);
        Assert.Single((await provider.GetRequiredService<QueryService>().QueryAsync(new QidoQuery())).Matches);
        Assert.NotNull(provider.GetRequiredService<RetrieveService>());
        Assert.NotNull(provider.GetRequiredService<DeleteService>());
        Assert.NotNull(provider.GetRequiredService<ArchiveSweeper>());
        Assert.NotNull(provider.GetRequiredService<ChangeFeedReader>());
        Assert.NotNull(provider.GetRequiredService<OutboxStore>());
    }
}

public sealed class SqliteFeedAndOutboxTests() : FeedAndOutboxTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresFeedAndOutboxTests(PostgresServer postgres) : FeedAndOutboxTests(DatabaseKind.Postgres, postgres);
