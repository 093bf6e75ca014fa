using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pacs.Archive;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Outbox;
using Pacs.Storage;
using Pacs.Testing;

namespace Pacs.Indexer.Tests.Support;

/// <summary>
/// A shared index and blob store for one test: a fresh PostgreSQL database and a blob folder, plus a unique entity
/// prefix so the test's exchanges and queues on the shared broker are its own.
/// </summary>
public sealed class Site : IAsyncDisposable
{
    private Site(string folder, ArchiveDatabaseOptions database, string prefix)
    {
        Folder = folder;
        DatabaseOptions = database;
        Prefix = prefix;
        Database = new ArchiveDatabase(database);
        Store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = Path.Combine(folder, "blobs") });
        Archive = new ArchiveOptions { SpoolFolder = Path.Combine(folder, "spool") };
        Ingest = new IngestService(Database, Store, Archive);
        Outbox = new OutboxStore(Database);
    }

    public string Folder { get; }
    public ArchiveDatabaseOptions DatabaseOptions { get; }
    public string Prefix { get; }
    public ArchiveDatabase Database { get; }
    public IBlobStore Store { get; }
    public ArchiveOptions Archive { get; }
    public IngestService Ingest { get; }
    public OutboxStore Outbox { get; }

    public static async Task<Site> CreateAsync(PostgresServer postgres, string? connectionString = null, string? folder = null)
    {
        folder ??= Directory.CreateTempSubdirectory("pacs-indexer-").FullName;
        var database = new ArchiveDatabaseOptions
        {
            Provider = ArchiveDatabaseProvider.PostgreSql,
            ConnectionString = connectionString ?? await postgres.CreateDatabaseAsync("indexer"),
        };
        var site = new Site(folder, database, $"t{Guid.NewGuid():N}"[..13] + ".");
        await site.Database.MigrateAsync();
        return site;
    }

    /// <summary>The embedded default's index: a SQLite file in a temp folder.</summary>
    public static async Task<Site> CreateSqliteAsync()
    {
        string folder = Directory.CreateTempSubdirectory("pacs-indexer-").FullName;
        var database = new ArchiveDatabaseOptions { Provider = ArchiveDatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "index.db")}" };
        var site = new Site(folder, database, "");
        await site.Database.MigrateAsync();
        return site;
    }

    public async Task<IngestResult> IngestAsync(byte[] part, IngestOptions? options = null)
    {
        using var stream = new MemoryStream(part, writable: false);
        var result = await Ingest.IngestAsync(stream, options);
        Assert.True(result.Outcome is IngestOutcome.Stored or IngestOutcome.Replaced, $"{result.Outcome}: {result.FailureReason}");
        return result;
    }

    public async Task<SeriesSummaryRow?> SeriesSummaryAsync(string series)
    {
        await using var db = Database.CreateContext();
        return await db.SeriesSummaries.AsNoTracking().FirstOrDefaultAsync(s => s.SeriesInstanceUid == series);
    }

    public async Task<StudySummaryRow?> StudySummaryAsync(string study)
    {
        await using var db = Database.CreateContext();
        return await db.StudySummaries.AsNoTracking().FirstOrDefaultAsync(s => s.StudyInstanceUid == study);
    }

    public ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One process of the system as a test sees it: a generic host with the bus on the test broker and, as asked, the
/// outbox dispatcher (what a DicomWeb process runs), the indexer, and extra consumers.
/// </summary>
public sealed class Node : IAsyncDisposable
{
    private readonly IHost _host;

    private Node(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public OutboxDispatcher Dispatcher => Services.GetRequiredService<OutboxDispatcher>();

    public IndexProjector Projector => Services.GetRequiredService<IndexProjector>();

    public static BusOptions RabbitBus(RabbitMqServer rabbit, Site site) => new()
    {
        Transport = BusTransport.RabbitMq,
        EntityPrefix = site.Prefix,
        RabbitMq = new RabbitMqOptions { Host = rabbit.Host, Port = rabbit.Port, Username = rabbit.Username, Password = rabbit.Password, Heartbeat = TimeSpan.FromSeconds(2) },
        RetryIntervalsMilliseconds = [10, 20],
        RedeliveryIntervalsSeconds = [],
    };

    public static async Task<Node> StartAsync(Site site, BusOptions bus, bool dispatcher = true, IndexerOptions? indexer = null,
        Action<IBusRegistrationConfigurator>? consumers = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(site.Store);
        builder.Services.AddPacsArchive(site.DatabaseOptions, site.Archive);
        if (indexer is not null)
            builder.Services.AddPacsIndexer(indexer);
        builder.Services.AddPacsBus(bus, x =>
        {
            if (indexer is not null)
                x.AddIndexerConsumer(indexer, bus);
            consumers?.Invoke(x);
        });
        if (dispatcher)
        {
            builder.Services.AddOutboxDispatcher(new OutboxDispatcherOptions
            {
                IdlePollInterval = TimeSpan.FromMilliseconds(50),
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                PublishTimeout = TimeSpan.FromSeconds(3),
                LeaseRetryInterval = TimeSpan.FromMilliseconds(200),
            });
        }
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new Node(host);
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await StopAsync();
        _host.Dispose();
    }
}
