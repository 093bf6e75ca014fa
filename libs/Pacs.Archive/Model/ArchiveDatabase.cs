using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Pacs.Archive;

/// <summary>
/// Opens contexts on the configured index database and brings its schema up to date. One instance per process:
/// it holds the compiled model options, contexts are cheap and short-lived (one per unit of work).
/// </summary>
public sealed class ArchiveDatabase
{
    private readonly DbContextOptions<SqliteArchiveDbContext>? _sqlite;
    private readonly DbContextOptions<PostgresArchiveDbContext>? _postgres;

    // Contexts come from a pool: building one resolves a few dozen internal services, which took ~5% of the CPU of a
    // small STOW-RS request (two contexts per instance; docs/benchmarks.md). A pooled context is reset when disposed.
    private readonly PooledDbContextFactory<SqliteArchiveDbContext>? _sqlitePool;
    private readonly PooledDbContextFactory<PostgresArchiveDbContext>? _postgresPool;

    // SQLite has one writer at a time. Writers that collide are retried by the driver with sleeps, which costs far more
    // under load than queueing them here; PostgreSQL needs no gate (row locks, group commit).
    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    private readonly Lazy<GroupCommit> _groupCommit;

    // The connection string the contexts use (on SQLite with the busy timeout and foreign keys added).
    private readonly string _connectionString = "";

    public ArchiveDatabase(ArchiveDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new ArgumentException("ArchiveDatabaseOptions.ConnectionString is required.", nameof(options));
        Options = options;
        _groupCommit = new Lazy<GroupCommit>(() => new GroupCommit(this), LazyThreadSafetyMode.ExecutionAndPublication);
        switch (options.Provider)
        {
            case ArchiveDatabaseProvider.Sqlite:
                var sqlite = new SqliteConnectionStringBuilder(options.ConnectionString)
                {
                    // The busy timeout: how long a writer waits for SQLite's single write lock.
                    DefaultTimeout = options.CommandTimeoutSeconds,
                    // Referential integrity is what keeps a series from losing its study under concurrent deletes.
                    ForeignKeys = true,
                };
                _connectionString = sqlite.ToString();
                _sqlite = new DbContextOptionsBuilder<SqliteArchiveDbContext>()
                    .UseSqlite(_connectionString, o => o.CommandTimeout(options.CommandTimeoutSeconds))
                    .Options;
                _sqlitePool = new PooledDbContextFactory<SqliteArchiveDbContext>(_sqlite);
                break;
            case ArchiveDatabaseProvider.PostgreSql:
                _connectionString = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString)
                {
                    CommandTimeout = options.CommandTimeoutSeconds,
                }.ToString();
                _postgres = new DbContextOptionsBuilder<PostgresArchiveDbContext>()
                    .UseNpgsql(_connectionString, o => o.CommandTimeout(options.CommandTimeoutSeconds))
                    .Options;
                _postgresPool = new PooledDbContextFactory<PostgresArchiveDbContext>(_postgres);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Unknown database provider.");
        }
    }

    public ArchiveDatabaseOptions Options { get; }

    public bool IsPostgres => _postgres is not null;

    /// <summary>The process's group commit queue for the ingest's index writes (started on first use).</summary>
    internal GroupCommit GroupCommit => _groupCommit.Value;

    /// <summary>A new context; the caller disposes it.</summary>
    public ArchiveDbContext CreateContext() =>
        _postgresPool is not null ? _postgresPool.CreateDbContext() : _sqlitePool!.CreateDbContext();

    /// <summary>
    /// An open connection to the index, the same as a context's but without one: for the few hot statements written by
    /// hand outside the group commit (a context costs more to rent and open than such a statement to run). The caller
    /// disposes it.
    /// </summary>
    internal async Task<System.Data.Common.DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        System.Data.Common.DbConnection connection = IsPostgres
            ? new Npgsql.NpgsqlConnection(_connectionString)
            : new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits for the right to run a write transaction: on SQLite one writer of this process at a time; on PostgreSQL
    /// immediately. Dispose the result when the transaction has ended.
    /// </summary>
    internal async ValueTask<WriterLease> EnterWriterAsync(CancellationToken cancellationToken)
    {
        if (IsPostgres)
            return new WriterLease(null);
        await _sqliteWriter.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new WriterLease(_sqliteWriter);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and commits it with the changes the work left pending: the way
    /// services beside the archive (the indexer) write to the index. The work joins the ingest's group commit
    /// (<see cref="Archive.GroupCommit"/>): it runs inside its own savepoint of a transaction shared with whatever else
    /// is waiting, so it must not begin or end transactions itself, nor change the context's settings; its result is returned once that transaction
    /// committed, and an exception it throws undoes its own changes only. <paramref name="durable"/> false lets the
    /// commit return before it reaches the disk — right for derived data that can be rebuilt; a later durable commit
    /// (every ingest's) makes it durable too. A batch holding any durable work commits durably.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<ArchiveDbContext, CancellationToken, Task<T>> work, bool durable = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return GroupCommit.RunAsync(work, durable, keep: null, cancellationToken);
    }

    /// <summary>
    /// On SQLite, sets whether the next commits on this context's connection wait for the disk (<c>PRAGMA
    /// synchronous</c>, per connection). A reservation may commit without waiting: in WAL mode the later, fully
    /// synchronous commit that acknowledges the instance writes the log up to and including it, and a reservation lost
    /// with power leaves at most an unreferenced blob for the sweeper. Every acknowledging commit sets full again first,
    /// so a pooled connection left relaxed by a failure cannot weaken it. No-op on PostgreSQL.
    /// </summary>
    internal async Task SetSqliteSynchronousAsync(ArchiveDbContext db, bool full, CancellationToken cancellationToken)
    {
        if (IsPostgres)
            return;
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // A plain command on the context's connection: EF's raw-SQL path (command builder, diagnostics) cost several
        // times the pragma itself, twice per ingested instance (docs/benchmarks.md). Called outside any transaction.
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The right to write; released once, however often it is disposed.</summary>
    internal sealed class WriterLease(SemaphoreSlim? gate) : IDisposable
    {
        private SemaphoreSlim? _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }

    /// <summary>
    /// Applies every pending migration (the host calls this once at startup, before serving). On SQLite it also
    /// switches the file to write-ahead logging, so that queries never wait for an ingest's write and the reverse.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = CreateContext();
        if (!IsPostgres)
        {
            // journal_mode is persistent in the file; synchronous stays FULL (the default): a commit is on disk
            // before it returns, which "nothing acknowledged is lost" needs across power loss, not only crashes.
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }
}
