using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Pacs.Archive.Tests.Support;
using Pacs.Messaging.Contracts;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Ingest;

/// <summary>
/// The rows the ingest's hand-written statements write (the reservation's insert, the acknowledging update with its
/// change feed and outbox rows), checked against what the ingest answered.
/// </summary>
public abstract class IngestIndexWritesTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Watermarks_answered_by_group_committed_ingests_are_those_of_their_rows_feed_and_events_and_increase()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        // One first instance creates the series, so the rest take the common path (known series).
        var seed = await IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: 100));
        var parts = Enumerable.Range(0, 8).Select(i => TestDicom.Create(study, series, TestDicom.NewUid(), seed: i)).ToList();
        var (blocker, release) = await HoldTheWriterAsync();
        var ingests = parts.Select(p => Task.Run(() => IngestAsync(p))).ToList();
        await Poll.UntilAsync(() => Archive.Database.GroupCommit.Pending >= parts.Count, Deadline, "every reservation queued behind the held writer");
        release.SetResult();
        await blocker.WaitAsync(Deadline);
        var results = await Task.WhenAll(ingests).WaitAsync(Deadline);
        var later = await IngestAsync(TestDicom.Create(study, series, TestDicom.NewUid(), seed: 200));

        Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
        var answered = results.Append(seed).Append(later).ToDictionary(r => r.SopInstanceUid!, r => r.Watermark!.Value);
        Assert.Equal(answered.Count, answered.Values.Distinct().Count());
        Assert.All(results, r => Assert.True(r.Watermark > seed.Watermark, "a later reservation got a smaller watermark"));
        Assert.All(results, r => Assert.True(later.Watermark > r.Watermark, "a later reservation got a smaller watermark"));

        await using var db = Archive.Database.CreateContext();
        var rows = await db.Instances.Select(i => new { i.SopInstanceUid, i.Watermark, i.Status, i.Version }).ToListAsync();
        Assert.Equal(answered.Count, rows.Count);
        Assert.All(rows, row => Assert.Equal((answered[row.SopInstanceUid], InstanceStatus.Created, 1), (row.Watermark, row.Status, row.Version)));
        var feed = await db.ChangeFeed.ToListAsync();
        Assert.Equal(answered.OrderBy(p => p.Key), feed.Select(f => KeyValuePair.Create(f.SopInstanceUid, f.Watermark)).OrderBy(p => p.Key));
        Assert.All(feed, f => Assert.Equal((ChangeFeedAction.Created, study, series, 1), (f.Action, f.StudyInstanceUid, f.SeriesInstanceUid, f.Version)));
        var events = (await new OutboxStore(Archive.Database).ReadPendingAsync(limit: 100))
            .Select(m => Assert.IsType<InstanceStored>(EventCatalog.Deserialize(m.MessageType, m.Payload))).ToList();
        Assert.Equal(answered.OrderBy(p => p.Key), events.Select(e => KeyValuePair.Create(e.SopInstanceUid, (long)e.Watermark)).OrderBy(p => p.Key));
    }

    [Fact]
    public async Task The_outbox_event_carries_the_trace_context_of_the_request_that_stored_the_instance()
    {
        // A first ingest outside any activity starts the group commit's writer loop, which then runs under none.
        await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));
        string sop = TestDicom.NewUid();
        using var request = new Activity("stow request").SetIdFormat(ActivityIdFormat.W3C).Start();

        await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), sop));
        request.Stop();

        var pending = await new OutboxStore(Archive.Database).ReadPendingAsync();
        var message = Assert.Single(pending, m => EventCatalog.Deserialize(m.MessageType, m.Payload) is InstanceStored s && s.SopInstanceUid == sop);
        Assert.NotNull(message.TraceParent);
        Assert.Contains(request.TraceId.ToHexString(), message.TraceParent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ingest_whose_reservation_was_swept_during_the_put_is_refused_and_announces_nothing()
    {
        var sweepNow = new SweepOptions { StaleCreatingAfter = TimeSpan.Zero, EmptyParentAfter = TimeSpan.FromHours(1) };
        Archive.Faults.AfterPut = async _ => await Archive.Sweeper.SweepAsync(sweepNow);

        var result = await IngestAsync(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid()));
        Archive.Faults.AfterPut = null;

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Equal((ushort?)StoreFailureReasons.ProcessingFailure, result.FailureReason);
        Assert.Contains("removed before the store finished", result.FailureDescription, StringComparison.Ordinal);
        var counts = await Archive.CountRowsAsync();
        Assert.Equal((0, 0, 0), (counts.Instances, counts.ChangeFeed, counts.Outbox));
        Assert.Empty(await Archive.BlobNamesAsync());
    }

    /// <summary>Occupies the group commit's writer loop until released; returns once it does.</summary>
    private Task<(Task<bool> Blocker, TaskCompletionSource Release)> HoldTheWriterAsync() =>
        Concurrency.GroupCommitTests.HoldTheWriterAsync(Archive.Database.GroupCommit);
}

public sealed class SqliteIngestIndexWritesTests() : IngestIndexWritesTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresIngestIndexWritesTests(PostgresServer postgres) : IngestIndexWritesTests(DatabaseKind.Postgres, postgres);
