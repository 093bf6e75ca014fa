using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Support;

/// <summary>Which database a test class runs against.</summary>
public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A complete archive for one test: a fresh index database (a SQLite file in a temp folder, or a new database on the
/// shared PostgreSQL server), migrated the way a host does it, a blob store (file system in the temp folder, or a
/// container on Azurite), and the services over them. Deleted on dispose.
/// </summary>
public sealed class ArchiveBackend : IAsyncDisposable
{
    private ArchiveBackend(string folder, ArchiveDatabase database, IBlobStore store, ArchiveOptions options, FaultyBlobStore faulty)
    {
        Folder = folder;
        Database = database;
        Store = faulty;
        InnerStore = store;
        Faults = faulty;
        Options = options;
        Ingest = new IngestService(database, faulty, options);
        Query = new QueryService(database, options);
        Retrieve = new RetrieveService(database, faulty);
        Delete = new DeleteService(database, faulty);
        Sweeper = new ArchiveSweeper(database, faulty, options);
    }

    public string Folder { get; }
    public ArchiveDatabase Database { get; }

    /// <summary>The store the services use (the inner store behind a fault injector).</summary>
    public IBlobStore Store { get; }
    public IBlobStore InnerStore { get; }
    public FaultyBlobStore Faults { get; }
    public ArchiveOptions Options { get; }
    public IngestService Ingest { get; }
    public QueryService Query { get; }
    public RetrieveService Retrieve { get; }
    public DeleteService Delete { get; }
    public ArchiveSweeper Sweeper { get; }

    public static async Task<ArchiveBackend> CreateAsync(DatabaseKind kind, PostgresServer? postgres = null, AzuriteFixture? azurite = null,
        ArchiveOptions? options = null)
    {
        string folder = Directory.CreateTempSubdirectory("pacs-archive-").FullName;
        try
        {
            return await CreateInAsync(folder, kind, postgres, azurite, options ?? new ArchiveOptions());
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    private static async Task<ArchiveBackend> CreateInAsync(string folder, DatabaseKind kind, PostgresServer? postgres, AzuriteFixture? azurite,
        ArchiveOptions options)
    {
        options.SpoolFolder ??= Path.Combine(folder, "spool");
        var dbOptions = kind == DatabaseKind.Sqlite
            ? new ArchiveDatabaseOptions { Provider = ArchiveDatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "index.db")}" }
            : new ArchiveDatabaseOptions
            {
                Provider = ArchiveDatabaseProvider.PostgreSql,
                ConnectionString = await (postgres ?? throw new ArgumentNullException(nameof(postgres))).CreateDatabaseAsync("archive"),
            };
        var database = new ArchiveDatabase(dbOptions);
        await database.MigrateAsync();
        IBlobStore store = azurite is not null
            ? new AzureBlobStore(azurite.Options(AzuriteFixture.NewContainerName()))
            : new FileSystemBlobStore(new Pacs.Storage.FileSystemBlobStoreOptions { RootPath = Path.Combine(folder, "blobs") });
        if (store is AzureBlobStore azure)
            await azure.EnsureContainerAsync();
        return new ArchiveBackend(folder, database, store, options, new FaultyBlobStore(store));
    }

    /// <summary>Every blob name in the store under the archive's prefix.</summary>
    public async Task<List<string>> BlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in InnerStore.ListAsync(Options.BlobPrefix + "/"))
            names.Add(blob.Name);
        return names;
    }

    /// <summary>
    /// Temporary files in the file store (staged or half-written blobs): none must outlive an ingest call. Always empty
    /// for a store without files.
    /// </summary>
    public List<string> TemporaryBlobFiles() => InnerStore is FileSystemBlobStore fs
        ? [.. Directory.EnumerateFiles(fs.RootPath, "*.tmp", SearchOption.AllDirectories)]
        : [];

    /// <summary>Counts of rows in every table: patients, studies, series, instances, change feed, outbox.</summary>
    public async Task<(int Patients, int Studies, int Series, int Instances, int ChangeFeed, int Outbox)> CountRowsAsync()
    {
        await using var db = Database.CreateContext();
        return (db.Patients.Count(), db.Studies.Count(), db.Series.Count(), db.Instances.Count(), db.ChangeFeed.Count(), db.Outbox.Count());
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        await Task.Yield();
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }
}
