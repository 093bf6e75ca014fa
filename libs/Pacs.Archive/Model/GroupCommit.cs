using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Pacs.Archive;

/// <summary>
/// Group commit for the ingest's index writes: one writer loop takes every unit of work that is waiting, runs them one
/// after another in a single transaction, commits once and only then answers each of them. While a batch is
/// committing — on SQLite with FULL synchronous, one fsync of the log — the next units queue up and go together in the
/// next batch, so under load the fsyncs and the per-transaction costs (BEGIN/COMMIT, the pragma) are shared by many
/// instances.
/// <para>
/// The loop keeps one context with an open connection (a <see cref="Session"/>) while work flows, instead of renting
/// one per batch: that spares the pool round trip, the connection's setup pragmas and the per-batch synchronous pragma
/// (only set when it changes). It closes it after <see cref="IdleClose"/> without work, and discards it after any
/// failure of the transaction or the connection, so the next batch starts from a fresh one.
/// </para>
/// <para>
/// Durability: a unit marked durable is answered only after the commit that contains it returned from a durable
/// commit (SQLite WAL + <c>synchronous=FULL</c>: the log is fsynced before COMMIT returns; PostgreSQL: the default
/// <c>synchronous_commit</c>). A batch with at least one durable unit commits durably, which makes every unit in it
/// durable too. A batch of non-durable units only (reservations) commits without waiting for the disk: a later durable
/// commit writes the log up to and including it.
/// </para>
/// <para>
/// Isolation of units: a unit that throws gets its exception and its changes are undone; the others go on. A general
/// unit runs inside its own savepoint. A <em>replayable</em> unit (<see cref="RunReplayableAsync"/>: its work depends
/// on nothing but the database, so running it again is harmless) runs without one: the batch puts replayable units
/// first and, when one of them throws or asks to be rolled back, rolls the whole transaction back, settles that unit
/// and runs the batch again with a savepoint per unit. The common case — nothing fails — then costs no savepoint at
/// all. A failed COMMIT fails every unit of the batch with that error: callers treat it as "outcome unknown" (the
/// ingest's commit checks the row's status before compensating).
/// </para>
/// <para>
/// Answers: a caller's continuation never runs on the loop while it has work (a caller goes on to store a blob or write
/// a response, and would hold up the next batch). Units are answered on pool threads, except the last of a batch after
/// which the loop has to wait: that one is answered on the loop's thread once the loop's wait is registered, since that
/// thread would otherwise go idle while another is woken for the caller.
/// </para>
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Upper bound on the units of one transaction: keeps a batch's latency and lock time bounded.</summary>
    internal const int MaxBatch = 64;

    /// <summary>How long the loop keeps its connection open without work (it closes it between one and two of these).</summary>
    internal static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(2);

    private readonly ArchiveDatabase _database;
    private readonly Channel<Unit> _queue = Channel.CreateUnbounded<Unit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    // Idleness is checked by one periodic tick rather than a timer armed and disarmed around every wait for work: under
    // load the loop waits after nearly every batch, and each arming cost a timer-queue update and a cancellation
    // registration.
    private readonly Timer _idleTick;
    private long _batchesAtLastTick = -1;
    private int _idleCheckQueued;
    private Session? _session;
    private long _batches;
    private long _units;
    private long _replays;
    private int _pending;

    public GroupCommit(ArchiveDatabase database)
    {
        _database = database;
        // Started without the caller's execution context: the loop and the tick serve every request, not the one that
        // happened to create them (its activity would otherwise be the loop's forever).
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
            _idleTick = new Timer(static s => ((GroupCommit)s!).OnIdleTick(), this, IdleClose, IdleClose);
        }
    }

    /// <summary>Transactions committed so far (for tests and the bench).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Units waiting for the next batch.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Units committed so far, successful or not.</summary>
    public long Units => Interlocked.Read(ref _units);

    /// <summary>Whether the loop holds its session's connection open (for tests).</summary>
    public bool HasOpenConnection => Volatile.Read(ref _session) is not null;

    /// <summary>Batches run a second time, with savepoints, because a replayable unit failed (for tests).</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>
    /// Runs <paramref name="work"/> in the next batch, inside its own savepoint, and returns its result once that batch
    /// committed. The work may query, use <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> and add entities (saved after it
    /// returns); it must not begin or end transactions. When <paramref name="keep"/> says false for the result, the
    /// unit's changes are rolled back (and the result is still returned). Cancellation is honoured until the unit's
    /// batch starts.
    /// </summary>
    public Task<T> RunAsync<T>(Func<ArchiveDbContext, CancellationToken, Task<T>> work, bool durable, Func<T, bool>? keep = null,
        CancellationToken cancellationToken = default) =>
        Enqueue(new Unit<T>((session, ct) => work(session.Db, ct), keep, durable, replayable: false, cancellationToken));

    /// <summary>
    /// As <see cref="RunAsync{T}"/>, for work that may be run more than once: it reads and writes only the database
    /// (through <see cref="Session.Db"/> or the session's commands) and keeps no state of its own between runs, so the
    /// result of its last run is the one answered. Such units run without a savepoint unless a unit of their batch
    /// fails.
    /// </summary>
    public Task<T> RunReplayableAsync<T>(Func<Session, CancellationToken, Task<T>> work, bool durable, Func<T, bool>? keep = null,
        CancellationToken cancellationToken = default) =>
        Enqueue(new Unit<T>(work, keep, durable, replayable: true, cancellationToken));

    private Task<T> Enqueue<T>(Unit<T> unit)
    {
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
        Unit? held = null;
        try
        {
            while (true)
            {
                var wait = reader.WaitToReadAsync(_stopping.Token);
                bool more;
                if (held is null)
                {
                    more = await wait.ConfigureAwait(false);
                }
                else if (wait.IsCompleted)
                {
                    // More work is waiting: the loop goes on on this thread, the last unit's caller on another.
                    held.CompleteAsynchronously();
                    held = null;
                    more = await wait.ConfigureAwait(false);
                }
                else
                {
                    // The loop parks until work comes; that work resumes it on a pool thread. This thread is then free,
                    // so it runs the last unit's caller itself (after the loop's wait is registered) instead of handing
                    // it to another thread and going idle: one wake-up less per batch.
                    var last = held;
                    held = null;
                    more = await new ParkThenComplete(wait, last);
                }
                if (!more)
                    break;
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var unit))
                {
                    if (unit is IdleCheck)
                    {
                        Volatile.Write(ref _idleCheckQueued, 0);
                        if (Interlocked.Read(ref _batches) == Interlocked.Read(ref _batchesAtLastTick) && batch.Count == 0 && !reader.TryPeek(out _))
                            await CloseSessionAsync().ConfigureAwait(false);
                        continue;
                    }
                    Interlocked.Decrement(ref _pending);
                    if (unit.CancellationToken.IsCancellationRequested)
                    {
                        unit.CancelAsynchronously();
                    }
                    else
                    {
                        batch.Add(unit);
                    }
                }
                if (batch.Count > 0)
                    held = await CommitBatchAsync(batch).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            held?.CompleteAsynchronously();
            await CloseSessionAsync().ConfigureAwait(false);
        }
        // Whatever is left when stopping is answered rather than left hanging.
        while (reader.TryRead(out var left))
        {
            if (left is IdleCheck)
                continue;
            left.Failure = new ObjectDisposedException(nameof(GroupCommit));
            left.CompleteAsynchronously();
        }
    }

    /// <summary>
    /// Every <see cref="IdleClose"/>: when the loop holds a connection and committed no batch since the previous tick, it
    /// is asked (through the queue, as the session is the loop's alone) to close it unless work came meanwhile.
    /// </summary>
    private void OnIdleTick()
    {
        long batches = Interlocked.Read(ref _batches);
        long before = Interlocked.Exchange(ref _batchesAtLastTick, batches);
        // Not counted in Pending (it is no caller's work), and at most one in the queue.
        if (before == batches && Volatile.Read(ref _session) is not null && Volatile.Read(ref _pending) == 0
            && Interlocked.CompareExchange(ref _idleCheckQueued, 1, 0) == 0 && !_queue.Writer.TryWrite(IdleCheck.Instance))
        {
            Volatile.Write(ref _idleCheckQueued, 0);
        }
    }

    /// <summary>
    /// Runs and commits the batch, answers every unit but one on pool threads and returns that one (the last), for the
    /// loop to answer once it knows whether it goes on or waits.
    /// </summary>
    private async Task<Unit> CommitBatchAsync(List<Unit> batch)
    {
        // Not cancellable once started: a unit's outcome must be the batch's outcome.
        bool durable = false;
        foreach (var unit in batch)
            durable |= unit.Durable;
        // Replayable units first (stable, so their queue order holds among them): a failure among them can then undo
        // the whole transaction and replay them, before any unit that cannot be replayed has run.
        if (!batch.TrueForAll(u => u.Replayable))
        {
            var general = batch.FindAll(u => !u.Replayable);
            batch.RemoveAll(u => !u.Replayable);
            batch.AddRange(general);
        }
        try
        {
            using var writer = await _database.EnterWriterAsync(CancellationToken.None).ConfigureAwait(false);
            var session = _session;
            if (session is null)
            {
                session = await Session.OpenAsync(_database).ConfigureAwait(false);
                Volatile.Write(ref _session, session);
            }
            if (!await RunBatchAsync(session, batch, durable, optimistic: true).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _replays);
                await RunBatchAsync(session, batch, durable, optimistic: false).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // BEGIN or COMMIT failed (or the connection did): no unit can tell whether it is in. The session's state is
            // unknown now; the next batch opens a fresh one.
            foreach (var unit in batch)
            {
                if (!unit.Failed)
                    unit.Failure = e;
            }
            await CloseSessionAsync().ConfigureAwait(false);
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _units, batch.Count);
        // Each answer runs its caller's continuation on a pool thread, never on the loop: a caller that goes on to store
        // a blob or write a response must not hold up the next batch.
        for (int i = 0; i < batch.Count - 1; i++)
            batch[i].CompleteAsynchronously();
        return batch[^1];
    }

    /// <summary>
    /// One transaction over the batch. Optimistic: replayable units run without savepoints, and the first of them that
    /// fails (or is not to be kept) ends the attempt: the transaction is rolled back, that unit settled with its answer,
    /// and false returned so that the batch runs again, every unit in a savepoint.
    /// </summary>
    private async Task<bool> RunBatchAsync(Session session, List<Unit> batch, bool durable, bool optimistic)
    {
        var none = CancellationToken.None;
        await session.SetDurableAsync(durable).ConfigureAwait(false);
        await using var tx = await session.Db.Database.BeginTransactionAsync(none).ConfigureAwait(false);
        session.Transaction = tx.GetDbTransaction();
        try
        {
            if (!durable)
                await session.RelaxPostgresCommitAsync().ConfigureAwait(false);
            foreach (var unit in batch)
            {
                if (unit.Settled)
                    continue;
                if (optimistic && unit.Replayable)
                {
                    if (!await RunBareAsync(session, unit).ConfigureAwait(false))
                    {
                        unit.Settled = true;
                        await tx.RollbackAsync(none).ConfigureAwait(false);
                        return false;
                    }
                }
                else
                {
                    await RunInSavepointAsync(session, unit).ConfigureAwait(false);
                }
            }
            await tx.CommitAsync(none).ConfigureAwait(false);
            return true;
        }
        finally
        {
            session.Transaction = null;
        }
    }

    /// <summary>Runs a unit without a savepoint; false when it failed or is not to be kept (the transaction must be undone).</summary>
    private static async Task<bool> RunBareAsync(Session session, Unit unit)
    {
        try
        {
            if (!await unit.ExecuteAsync(session, CancellationToken.None).ConfigureAwait(false))
                return false;
            await SaveTrackedAsync(session.Db).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            unit.Failure = e;
            return false;
        }
        finally
        {
            session.Db.ChangeTracker.Clear();
        }
    }

    private static async Task RunInSavepointAsync(Session session, Unit unit)
    {
        await session.ExecuteAsync(Session.Statement.Savepoint).ConfigureAwait(false);
        try
        {
            bool keep = await unit.ExecuteAsync(session, CancellationToken.None).ConfigureAwait(false);
            if (keep)
            {
                await SaveTrackedAsync(session.Db).ConfigureAwait(false);
                await session.ExecuteAsync(Session.Statement.Release).ConfigureAwait(false);
            }
            else
            {
                await session.ExecuteAsync(Session.Statement.RollbackToAndRelease).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            unit.Failure = e;
            // Undo this unit only. If even that fails the transaction is unusable: the exception ends the batch, and
            // every unit of it fails.
            await session.ExecuteAsync(Session.Statement.RollbackToAndRelease).ConfigureAwait(false);
        }
        finally
        {
            session.Db.ChangeTracker.Clear();
        }
    }

    /// <summary>Saves the entities the unit added; a unit that wrote through its own commands has none.</summary>
    private static async Task SaveTrackedAsync(ArchiveDbContext db)
    {
        if (db.ChangeTracker.HasChanges())
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task CloseSessionAsync()
    {
        var session = _session;
        Volatile.Write(ref _session, null);
        if (session is not null)
            await session.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _idleTick.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>
    /// The writer loop's context and open connection, with commands kept for reuse (on SQLite a kept command keeps its
    /// compiled statement). Used by one batch at a time, from the writer loop only.
    /// </summary>
    internal sealed class Session : IAsyncDisposable
    {
        internal enum Statement
        {
            Savepoint,
            Release,
            RollbackToAndRelease,
            SynchronousFull,
            SynchronousNormal,
            RelaxCommit,
        }

        private readonly Dictionary<string, DbCommand> _commands = new(ReferenceEqualityComparer.Instance);
        private readonly DbCommand?[] _statements = new DbCommand?[Enum.GetValues<Statement>().Length];
        private bool? _durable;

        private Session(ArchiveDbContext db, DbConnection connection, bool isPostgres)
        {
            Db = db;
            Connection = connection;
            IsPostgres = isPostgres;
        }

        /// <summary>The context, for EF work; its current transaction is the batch's.</summary>
        public ArchiveDbContext Db { get; }

        public DbConnection Connection { get; }

        /// <summary>The batch's transaction (set while a batch runs).</summary>
        public DbTransaction? Transaction { get; internal set; }

        public bool IsPostgres { get; }

        internal static async Task<Session> OpenAsync(ArchiveDatabase database)
        {
            var db = database.CreateContext();
            try
            {
                // Units are isolated by the loop (savepoints or replay); EF's automatic savepoint per SaveChanges would
                // only add statements.
                db.Database.AutoSavepointsEnabled = false;
                await db.Database.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                return new Session(db, db.Database.GetDbConnection(), database.IsPostgres);
            }
            catch
            {
                await db.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// A command of the session with <paramref name="sql"/> (compared by reference: pass a constant), created with
        /// <paramref name="addParameters"/> on first use and kept, enlisted in the batch's transaction.
        /// </summary>
        public DbCommand Command(string sql, Action<DbCommand> addParameters)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                addParameters(command);
                _commands.Add(sql, command);
            }
            command.Transaction = Transaction;
            return command;
        }

        internal async Task ExecuteAsync(Statement statement)
        {
            var command = _statements[(int)statement] ??= Create(statement);
            command.Transaction = Transaction;
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        private DbCommand Create(Statement statement)
        {
            var command = Connection.CreateCommand();
            command.CommandText = statement switch
            {
                // One name serves every unit: units run one after another, and each releases its savepoint.
                Statement.Savepoint => "SAVEPOINT unit",
                Statement.Release => "RELEASE SAVEPOINT unit",
                // ROLLBACK TO keeps the savepoint on the stack; the release removes it.
                Statement.RollbackToAndRelease => "ROLLBACK TO SAVEPOINT unit; RELEASE SAVEPOINT unit",
                Statement.SynchronousFull => "PRAGMA synchronous=FULL",
                Statement.SynchronousNormal => "PRAGMA synchronous=NORMAL",
                Statement.RelaxCommit => "SET LOCAL synchronous_commit = off",
                _ => throw new ArgumentOutOfRangeException(nameof(statement)),
            };
            return command;
        }

        /// <summary>
        /// SQLite: sets whether the next commits wait for the disk (<c>PRAGMA synchronous</c>, per connection; see
        /// <see cref="ArchiveDatabase.SetSqliteSynchronousAsync"/>), only when it changes. Outside any transaction.
        /// </summary>
        internal async Task SetDurableAsync(bool durable)
        {
            if (IsPostgres || _durable == durable)
                return;
            _durable = null; // unknown until the pragma has run
            await ExecuteAsync(durable ? Statement.SynchronousFull : Statement.SynchronousNormal).ConfigureAwait(false);
            _durable = durable;
        }

        /// <summary>
        /// PostgreSQL: lets the current transaction commit without waiting for its WAL flush (<c>SET LOCAL
        /// synchronous_commit = off</c>): the later acknowledging commit flushes the WAL up to and including this one.
        /// </summary>
        internal async Task RelaxPostgresCommitAsync()
        {
            if (IsPostgres)
                await ExecuteAsync(Statement.RelaxCommit).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                // The connection goes back to the pool: leave it as every other user expects it (FULL).
                if (!IsPostgres && _durable != true)
                    await ExecuteAsync(Statement.SynchronousFull).ConfigureAwait(false);
            }
            catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
            {
                // A broken connection; the pool will not hand it out again as it is.
            }
            foreach (var command in _commands.Values)
                await command.DisposeAsync().ConfigureAwait(false);
            foreach (var command in _statements)
            {
                if (command is not null)
                    await command.DisposeAsync().ConfigureAwait(false);
            }
            await Db.DisposeAsync().ConfigureAwait(false);
        }
    }

    private abstract class Unit(bool durable, bool replayable, CancellationToken cancellationToken)
    {
        public bool Durable { get; } = durable;

        public bool Replayable { get; } = replayable;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public Exception? Failure { get; set; }

        public bool Failed => Failure is not null;

        /// <summary>Answered by an attempt that was undone (failed, or not to be kept): not run again.</summary>
        public bool Settled { get; set; }

        /// <summary>Runs the work; false when its changes are to be rolled back.</summary>
        public abstract Task<bool> ExecuteAsync(Session session, CancellationToken cancellationToken);

        /// <summary>
        /// Answers the caller on this thread: its continuation (an await without a context) runs here before this returns.
        /// Only for a thread that is not the loop's, or that the loop has left.
        /// </summary>
        public abstract void Complete();

        public abstract void Cancel();

        /// <summary>Answers the caller on a pool thread.</summary>
        public void CompleteAsynchronously() =>
            ThreadPool.UnsafeQueueUserWorkItem(static unit => unit.Complete(), this, preferLocal: true);

        public void CancelAsynchronously() =>
            ThreadPool.UnsafeQueueUserWorkItem(static unit => unit.Cancel(), this, preferLocal: true);
    }

    /// <summary>Put in the queue by the idle tick: the loop closes its session if no work came since.</summary>
    private sealed class IdleCheck() : Unit(durable: false, replayable: true, CancellationToken.None)
    {
        public static readonly IdleCheck Instance = new();

        public override Task<bool> ExecuteAsync(Session session, CancellationToken cancellationToken) => Task.FromResult(false);

        public override void Complete()
        {
        }

        public override void Cancel()
        {
        }
    }

    /// <summary>
    /// Awaited by the loop when it has to wait for work and holds a unit still to answer: registers the loop's
    /// continuation on the wait first and only then answers the unit on the same thread, so that the caller's
    /// continuation runs while the loop is parked, and work arriving meanwhile resumes the loop elsewhere.
    /// </summary>
    private readonly struct ParkThenComplete(ValueTask<bool> wait, Unit unit) : System.Runtime.CompilerServices.ICriticalNotifyCompletion
    {
        private readonly System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter _awaiter =
            wait.ConfigureAwait(false).GetAwaiter();

        public ParkThenComplete GetAwaiter() => this;

        // Never complete here: the unit is answered by (Unsafe)OnCompleted, which the await always reaches.
        public bool IsCompleted => false;

        public bool GetResult() => _awaiter.GetResult();

        public void OnCompleted(Action continuation)
        {
            _awaiter.OnCompleted(continuation);
            unit.Complete();
        }

        public void UnsafeOnCompleted(Action continuation)
        {
            _awaiter.UnsafeOnCompleted(continuation);
            unit.Complete();
        }
    }

    private sealed class Unit<T>(Func<Session, CancellationToken, Task<T>> work, Func<T, bool>? keep, bool durable, bool replayable,
        CancellationToken cancellationToken) : Unit(durable, replayable, cancellationToken)
    {
        // Continuations may run inline when answered: the loop answers on pool threads, or on its own thread only after
        // it has left it (CompleteAsynchronously, ParkThenComplete), never while it still has work to do.
        private readonly TaskCompletionSource<T> _done = new();
        private T? _result;

        public Task<T> Task => _done.Task;

        public override async Task<bool> ExecuteAsync(Session session, CancellationToken cancellationToken)
        {
            _result = await work(session, cancellationToken).ConfigureAwait(false);
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
