using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Pacs.Archive;

/// <summary>
/// Group commit for the ingest's index writes: one writer loop takes every unit of work that is waiting, runs them one
/// after another in a single transaction on one context (each inside its own savepoint, so one that fails is undone
/// alone), commits once and only then answers each of them. While a batch is committing — on SQLite with FULL
/// synchronous, one fsync of the log — the next units queue up and go together in the next batch, so under load the
/// fsyncs and the per-transaction costs (a context, the pragma, BEGIN/COMMIT) are shared by many instances.
/// <para>
/// Durability: a unit marked durable is answered only after the commit that contains it returned from a durable
/// commit (SQLite WAL + <c>synchronous=FULL</c>: the log is fsynced before COMMIT returns; PostgreSQL: the default
/// <c>synchronous_commit</c>). A batch with at least one durable unit commits durably, which makes every unit in it
/// durable too. A batch of non-durable units only (reservations) commits without waiting for the disk: a later durable
/// commit writes the log up to and including it.
/// </para>
/// <para>
/// A unit that throws is rolled back to its savepoint and gets its exception; the others go on. A failed COMMIT fails
/// every unit of the batch with that error: callers treat it as "outcome unknown" (the ingest's commit checks the row's
/// status before compensating).
/// </para>
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Upper bound on the units of one transaction: keeps a batch's latency and lock time bounded.</summary>
    internal const int MaxBatch = 64;

    private readonly ArchiveDatabase _database;
    private readonly Channel<Unit> _queue = Channel.CreateUnbounded<Unit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _batches;
    private long _units;
    private int _pending;

    public GroupCommit(ArchiveDatabase database)
    {
        _database = database;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far (for tests and the bench).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Units waiting for the next batch.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Units committed so far, successful or not.</summary>
    public long Units => Interlocked.Read(ref _units);

    /// <summary>
    /// Runs <paramref name="work"/> in the next batch and returns its result once that batch committed. The work may
    /// query, use <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> and add entities (saved after it returns); it must not
    /// begin or end transactions. When <paramref name="keep"/> says false for the result, the unit's changes are
    /// rolled back (and the result is still returned). Cancellation is honoured until the unit's batch starts.
    /// </summary>
    public Task<T> RunAsync<T>(Func<ArchiveDbContext, CancellationToken, Task<T>> work, bool durable, Func<T, bool>? keep = null,
        CancellationToken cancellationToken = default)
    {
        var unit = new Unit<T>(work, keep, durable, cancellationToken);
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(unit))
        {
            Interlocked.Decrement(ref _pending);
            throw new ObjectDisposedException(nameof(GroupCommit));
        }
        return unit.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Unit>(MaxBatch);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var unit))
                {
                    Interlocked.Decrement(ref _pending);
                    if (unit.CancellationToken.IsCancellationRequested)
                        unit.Cancel();
                    else
                        batch.Add(unit);
                }
                if (batch.Count > 0)
                    await CommitBatchAsync(batch).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        // Whatever is left when stopping is answered rather than left hanging.
        while (reader.TryRead(out var left))
            left.Fail(new ObjectDisposedException(nameof(GroupCommit)));
    }

    private async Task CommitBatchAsync(List<Unit> batch)
    {
        // Not cancellable once started: a unit's outcome must be the batch's outcome.
        var none = CancellationToken.None;
        bool durable = batch.Exists(u => u.Durable);
        try
        {
            using var writer = await _database.EnterWriterAsync(none).ConfigureAwait(false);
            await using var db = _database.CreateContext();
            // Each unit has its own savepoint; EF's automatic one per SaveChanges would only double them.
            db.Database.AutoSavepointsEnabled = false;
            await _database.SetSqliteSynchronousAsync(db, full: durable, none).ConfigureAwait(false);
            await using var tx = await db.Database.BeginTransactionAsync(none).ConfigureAwait(false);
            if (!durable)
                await _database.RelaxPostgresCommitAsync(db, none).ConfigureAwait(false);
            for (int i = 0; i < batch.Count; i++)
                await RunUnitAsync(db, tx, batch[i], i).ConfigureAwait(false);
            await tx.CommitAsync(none).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // BEGIN or COMMIT failed (or the connection did): no unit can tell whether it is in.
            foreach (var unit in batch)
            {
                if (!unit.Failed)
                    unit.Failure = e;
            }
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _units, batch.Count);
        foreach (var unit in batch)
            unit.Complete();
    }

    private static async Task RunUnitAsync(ArchiveDbContext db, IDbContextTransaction tx, Unit unit, int index)
    {
        string savepoint = "u" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var none = CancellationToken.None;
        await tx.CreateSavepointAsync(savepoint, none).ConfigureAwait(false);
        try
        {
            bool keep = await unit.ExecuteAsync(db, none).ConfigureAwait(false);
            if (keep)
            {
                await db.SaveChangesAsync(none).ConfigureAwait(false);
                await tx.ReleaseSavepointAsync(savepoint, none).ConfigureAwait(false);
            }
            else
            {
                await tx.RollbackToSavepointAsync(savepoint, none).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            unit.Failure = e;
            // Undo this unit only. If even that fails the transaction is unusable: the exception ends the batch, and
            // every unit of it fails.
            await tx.RollbackToSavepointAsync(savepoint, none).ConfigureAwait(false);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stopping.Dispose();
    }

    private abstract class Unit(bool durable, CancellationToken cancellationToken)
    {
        public bool Durable { get; } = durable;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public Exception? Failure { get; set; }

        public bool Failed => Failure is not null;

        /// <summary>Runs the work; false when its changes are to be rolled back.</summary>
        public abstract Task<bool> ExecuteAsync(ArchiveDbContext db, CancellationToken cancellationToken);

        public abstract void Complete();

        public abstract void Cancel();

        public void Fail(Exception e)
        {
            Failure = e;
            Complete();
        }
    }

    private sealed class Unit<T>(Func<ArchiveDbContext, CancellationToken, Task<T>> work, Func<T, bool>? keep, bool durable,
        CancellationToken cancellationToken) : Unit(durable, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override async Task<bool> ExecuteAsync(ArchiveDbContext db, CancellationToken cancellationToken)
        {
            _result = await work(db, cancellationToken).ConfigureAwait(false);
            return keep?.Invoke(_result) ?? true;
        }

        public override void Complete()
        {
            if (Failure is not null)
                _done.TrySetException(Failure);
            else
                _done.TrySetResult(_result!);
        }

        public override void Cancel() => _done.TrySetCanceled(CancellationToken);
    }
}
