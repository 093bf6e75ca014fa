using Microsoft.EntityFrameworkCore;
using Pacs.Archive.Tests.Support;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Concurrency;

/// <summary>
/// The group commit of index writes: what waits while a batch runs goes together in the next transaction, each unit in
/// its own savepoint, and nothing is answered before the transaction holding it committed.
/// </summary>
public abstract class GroupCommitTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private GroupCommit Commits => Archive.Database.GroupCommit;

    [Fact]
    public async Task Writes_queued_while_a_batch_runs_share_the_next_transaction()
    {
        var (blocker, release) = await HoldTheWriterAsync();
        var units = Enumerable.Range(0, 5)
            .Select(i => Commits.RunAsync((db, _) => Task.FromResult(db.Database.CurrentTransaction!.TransactionId), durable: true))
            .ToList();

        release.SetResult();
        await blocker.WaitAsync(Deadline);
        var transactions = await Task.WhenAll(units).WaitAsync(Deadline);

        Assert.Single(transactions.Distinct());
    }

    [Fact]
    public async Task A_write_that_throws_is_undone_alone_and_the_rest_of_its_batch_commits()
    {
        string prefix = Guid.NewGuid().ToString("N");
        var (blocker, release) = await HoldTheWriterAsync();
        var first = Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-1"), durable: true);
        var failing = Commits.RunAsync<bool>(async (db, ct) =>
        {
            await AddPatientAsync(db, prefix + "-2");
            await db.SaveChangesAsync(ct);
            throw new InvalidOperationException("this unit fails after writing");
        }, durable: true);
        var third = Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-3"), durable: true);

        release.SetResult();
        await blocker.WaitAsync(Deadline);
        await Task.WhenAll(first, third).WaitAsync(Deadline);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Deadline));

        Assert.Equal("this unit fails after writing", error.Message);
        Assert.Equal([prefix + "-1", prefix + "-3"], await PatientKeysAsync(prefix));
    }

    [Fact]
    public async Task A_write_whose_result_says_not_to_keep_it_is_rolled_back_and_still_answered()
    {
        string prefix = Guid.NewGuid().ToString("N");

        int answer = await Commits.RunAsync(async (db, ct) =>
        {
            await AddPatientAsync(db, prefix + "-x");
            await db.SaveChangesAsync(ct);
            return 42;
        }, durable: true, keep: r => r != 42).WaitAsync(Deadline);

        Assert.Equal(42, answer);
        Assert.Empty(await PatientKeysAsync(prefix));
    }

    [Fact]
    public async Task A_write_is_answered_only_after_the_transaction_holding_it_committed()
    {
        string prefix = Guid.NewGuid().ToString("N");
        var (firstBlocker, releaseFirst) = await HoldTheWriterAsync();
        var write = Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-1"), durable: true);
        // A second blocker queued behind the write: it holds the write's own batch open after the write ran.
        var secondRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseSecond = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondBlocker = Commits.RunAsync(async (_, _) =>
        {
            secondRunning.SetResult();
            await releaseSecond.Task;
            return true;
        }, durable: true);

        releaseFirst.SetResult();
        await firstBlocker.WaitAsync(Deadline);
        await secondRunning.Task.WaitAsync(Deadline);

        Assert.False(write.IsCompleted, "the write was answered while its transaction was still open");
        Assert.Empty(await PatientKeysAsync(prefix)); // not visible to others before COMMIT either
        releaseSecond.SetResult();
        await Task.WhenAll(write, secondBlocker).WaitAsync(Deadline);
        Assert.Equal([prefix + "-1"], await PatientKeysAsync(prefix));
    }

    [Fact]
    public async Task Concurrent_ingests_commit_in_fewer_transactions_than_writes()
    {
        string study = TestDicom.NewUid(), series = TestDicom.NewUid();
        var parts = Enumerable.Range(0, 16).Select(i => TestDicom.Create(study, series, TestDicom.NewUid(), seed: i)).ToList();
        var (blocker, release) = await HoldTheWriterAsync();
        long batchesBefore = Commits.Batches;

        // Every ingest's reservation queues behind the held writer, so they go in one transaction at least.
        var ingests = parts.Select(p => Task.Run(() => IngestAsync(p))).ToList();
        await WaitUntilAsync(() => Commits.Pending >= parts.Count);
        release.SetResult();
        await blocker.WaitAsync(Deadline);
        var results = await Task.WhenAll(ingests).WaitAsync(Deadline);

        Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
        Assert.Equal(16, (await Archive.Retrieve.FindInstancesAsync(study)).Count);
        // 16 reservations and 16 acknowledging commits: one transaction each would be 32.
        Assert.True(Commits.Batches - batchesBefore < 2 * parts.Count - 8, $"{Commits.Batches - batchesBefore} transactions for {2 * parts.Count} writes");
    }

    [Fact]
    public async Task A_replayable_write_that_throws_is_undone_alone_and_the_rest_of_its_batch_commits_once()
    {
        string prefix = Guid.NewGuid().ToString("N");
        long replaysBefore = Commits.Replays;
        var (blocker, release) = await HoldTheWriterAsync();
        var first = Commits.RunReplayableAsync((session, _) => AddPatientAsync(session.Db, prefix + "-1"), durable: true);
        var failing = Commits.RunReplayableAsync<bool>(async (session, ct) =>
        {
            await AddPatientAsync(session.Db, prefix + "-2");
            await session.Db.SaveChangesAsync(ct);
            throw new InvalidOperationException("this unit fails after writing");
        }, durable: true);
        // A unit that is not replayable in the same batch: it must run exactly once, whatever the replayable ones do.
        int generalRuns = 0;
        var general = Commits.RunAsync((db, _) =>
        {
            Interlocked.Increment(ref generalRuns);
            return AddPatientAsync(db, prefix + "-3");
        }, durable: true);
        var fourth = Commits.RunReplayableAsync((session, _) => AddPatientAsync(session.Db, prefix + "-4"), durable: true);

        release.SetResult();
        await blocker.WaitAsync(Deadline);
        await Task.WhenAll(first, general, fourth).WaitAsync(Deadline);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Deadline));

        Assert.Equal("this unit fails after writing", error.Message);
        Assert.Equal([prefix + "-1", prefix + "-3", prefix + "-4"], await PatientKeysAsync(prefix));
        Assert.Equal(1, generalRuns);
        Assert.Equal(1, Commits.Replays - replaysBefore);
    }

    [Fact]
    public async Task A_replayable_write_whose_result_says_not_to_keep_it_is_rolled_back_while_its_batch_commits()
    {
        string prefix = Guid.NewGuid().ToString("N");
        var (blocker, release) = await HoldTheWriterAsync();
        var kept = Commits.RunReplayableAsync((session, _) => AddPatientAsync(session.Db, prefix + "-1"), durable: true);
        var undone = Commits.RunReplayableAsync(async (session, ct) =>
        {
            await AddPatientAsync(session.Db, prefix + "-2");
            await session.Db.SaveChangesAsync(ct);
            return 42;
        }, durable: true, keep: r => r != 42);

        release.SetResult();
        await blocker.WaitAsync(Deadline);

        Assert.True(await kept.WaitAsync(Deadline));
        Assert.Equal(42, await undone.WaitAsync(Deadline));
        Assert.Equal([prefix + "-1"], await PatientKeysAsync(prefix));
    }

    [Fact]
    public async Task Writes_after_the_connection_was_closed_for_idleness_run_on_a_new_one()
    {
        string prefix = Guid.NewGuid().ToString("N");
        await Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-1"), durable: true).WaitAsync(Deadline);
        Assert.True(Commits.HasOpenConnection);
        // The loop closes its connection after GroupCommit.IdleClose without work.
        await Poll.UntilAsync(() => !Commits.HasOpenConnection, Deadline, "the idle group commit closes its connection");

        await Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-2"), durable: true).WaitAsync(Deadline);

        Assert.Equal([prefix + "-1", prefix + "-2"], await PatientKeysAsync(prefix));
    }

    [Fact]
    public async Task A_caller_that_blocks_after_its_answer_does_not_hold_up_the_next_batch()
    {
        // The loop may answer the last unit of a batch on its own thread once it waits for work: the caller's
        // continuation (awaited without a context, so it runs where the answer is given) then must not be what the loop
        // waits behind.
        string prefix = Guid.NewGuid().ToString("N");
        using var gate = new ManualResetEventSlim();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Task.Run(async () =>
        {
            await Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-1"), durable: true).ConfigureAwait(false);
            answered.SetResult();
            gate.Wait(3 * Deadline); // released by the test at its end, pass or fail
        });
        try
        {
            await answered.Task.WaitAsync(Deadline);
            await Commits.RunAsync((db, _) => AddPatientAsync(db, prefix + "-2"), durable: true).WaitAsync(Deadline);
            Assert.Equal([prefix + "-1", prefix + "-2"], await PatientKeysAsync(prefix));
        }
        finally
        {
            gate.Set();
        }
        await first.WaitAsync(Deadline);
    }

    /// <summary>Occupies the writer loop with a unit that waits until released; returns once that unit runs.</summary>
    private Task<(Task<bool> Blocker, TaskCompletionSource Release)> HoldTheWriterAsync() => HoldTheWriterAsync(Commits);

    /// <summary>Occupies <paramref name="commits"/>' writer loop with a unit that waits until released; returns once that unit runs.</summary>
    internal static async Task<(Task<bool> Blocker, TaskCompletionSource Release)> HoldTheWriterAsync(GroupCommit commits)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = commits.RunAsync(async (_, _) =>
        {
            running.SetResult();
            await release.Task;
            return true;
        }, durable: false);
        await running.Task.WaitAsync(Deadline);
        return (blocker, release);
    }

    private static Task<bool> AddPatientAsync(ArchiveDbContext db, string key)
    {
        db.Patients.Add(new PatientRow { PatientKey = key, Attributes = [], CreatedAt = DateTimeOffset.UnixEpoch });
        return Task.FromResult(true);
    }

    private async Task<List<string>> PatientKeysAsync(string prefix)
    {
        await using var db = Archive.Database.CreateContext();
        return await db.Patients.Where(p => p.PatientKey.StartsWith(prefix)).Select(p => p.PatientKey).OrderBy(k => k).ToListAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException("The condition did not hold in time.");
            await Task.Delay(10);
        }
    }
}

public sealed class SqliteGroupCommitTests() : GroupCommitTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresGroupCommitTests(PostgresServer postgres) : GroupCommitTests(DatabaseKind.Postgres, postgres);
