using Pacs.Archive;
using Pacs.DicomWeb.Hosting;
using Pacs.Server.Gateway;
using Pacs.Indexer;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Outbox;
using Pacs.ServiceDefaults;
using Pacs.Storage;

namespace Pacs.Server;

/// <summary>
/// The embedded default: one process serving DICOMweb over a SQLite index and file storage in one data folder.
/// The same wiring takes PostgreSQL ("Pacs:Database:Provider" = PostgreSql with a connection string) and Azure Blob
/// Storage ("Pacs:Storage:Provider" = AzureBlob, <see cref="PacsStorageOptions"/>) by configuration.
/// </summary>
public static class PacsServer
{
    /// <summary>
    /// Builds the application; <paramref name="configure"/> lets a test add to the builder (a log provider, say) after
    /// the service defaults, which replace the log providers. Request and SQL information logs are off unless
    /// configuration turns them on (ServiceLogging: they cost a tenth of the CPU of a small STOW-RS request, docs/benchmarks.md).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // No reloading of appsettings files on change: the watcher it needs covers the content root (the working
        // directory) with every folder below it, and the default data folder is ./data, so every new shard folder of
        // the file store became one more inotify watch and every stored file an event to filter (seen in a profile of
        // STOW-RS). Options are bound once at start anyway. Given first, so a later command line value still wins.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        builder.AddServiceDefaults("pacs-server");
        configure?.Invoke(builder);

        var options = new PacsServerOptions();
        builder.Configuration.GetSection(PacsServerOptions.ConfigurationSection).Bind(options);
        var dataFolder = Path.GetFullPath(options.DataFolder);
        Directory.CreateDirectory(dataFolder);
        builder.Services.AddSingleton(options);

        var database = new ArchiveDatabaseOptions { ConnectionString = $"Data Source={Path.Combine(dataFolder, "index.db")}" };
        builder.Configuration.GetSection($"{PacsServerOptions.ConfigurationSection}:Database").Bind(database);
        var archive = new ArchiveOptions { SpoolFolder = Path.Combine(dataFolder, "spool") };
        builder.Configuration.GetSection($"{PacsServerOptions.ConfigurationSection}:Archive").Bind(archive);
        Directory.CreateDirectory(archive.SpoolFolder!);

        var storage = new PacsStorageOptions();
        builder.Configuration.GetSection(PacsStorageOptions.ConfigurationSection).Bind(storage);
        builder.Services.AddSingleton(storage);
        builder.Services.AddSingleton<IBlobStore>(_ => storage.CreateStore(dataFolder));
        builder.Services.AddPacsArchive(database, archive);
        builder.Services.AddDicomWeb(builder.Configuration);
        AddEventsAndIndexer(builder);

        // The DIMSE gateway in the same process: C-STORE spooled, then ingested here directly (services/Pacs.Server/Gateway).
        builder.Services.AddEmbeddedGatewayStorage(builder.Configuration, dataFolder);
        // The embedded gateway's C-FIND, C-MOVE and C-GET reach the archive in process (services/Pacs.Server/Gateway).
        builder.Services.AddPacsGatewayInProcessArchive();
        builder.Services.AddArchiveHealthChecks();

        // STOW-RS bodies are whole studies that stream through part by part; Kestrel's 30 MB cap would refuse them.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        // The socket transport's settings ("Pacs:Transport:IOQueueCount", "Pacs:Transport:UnsafePreferInlineScheduling"), for
        // measuring them (docs/benchmarks.md).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(
            builder.Configuration.GetSection($"{PacsServerOptions.ConfigurationSection}:Transport"));
        builder.WebHost.UseUrls(options.Url);

        var app = builder.Build();
        app.UseDicomWeb();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapDicomWeb(app.Services.GetRequiredService<PublicUrlOptions>().ServicePath);
        return app;
    }

    /// <summary>
    /// The bus (in memory unless "Bus:Transport" says RabbitMq), the outbox dispatcher that publishes ingest's events,
    /// and the indexer's consumer in this process ("Pacs:Indexer:Enabled" false when a separate indexer runs).
    /// </summary>
    private static void AddEventsAndIndexer(WebApplicationBuilder builder)
    {
        // The embedded server keeps serving when a configured broker is away: its readiness does not hang on it.
        var bus = new BusOptions { BrokerDecidesReadiness = false };
        builder.Configuration.GetSection(BusOptions.ConfigurationSection).Bind(bus);
        var dispatcher = new OutboxDispatcherOptions();
        builder.Configuration.GetSection(OutboxDispatcherOptions.ConfigurationSection).Bind(dispatcher);
        // In one process the in-memory bus loses unsent messages on a crash anyway and the indexer reconciles at start,
        // so its derived-data commits need not wait for the disk (ingest's own commits always do).
        var indexer = new IndexerOptions { DurableCommits = bus.Transport != BusTransport.InMemory };
        builder.Configuration.GetSection(IndexerOptions.ConfigurationSection).Bind(indexer);
        if (indexer.Enabled)
            builder.Services.AddPacsIndexer(indexer);
        builder.Services.AddPacsBus(bus, x =>
        {
            if (indexer.Enabled)
                x.AddIndexerConsumer(indexer, bus);
        });
        builder.Services.AddOutboxDispatcher(dispatcher);
    }

    /// <summary>Applies migrations, finishes what a previous process left, starts listening, and says where.</summary>
    public static async Task StartAsync(WebApplication app, TextWriter? console = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<PacsServerOptions>();
        // Resolve the store now, so a misconfigured one fails the start naming its key rather than the first request.
        _ = app.Services.GetRequiredService<IBlobStore>();
        await app.Services.GetRequiredService<ArchiveDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (options.SweepAtStart)
        {
            // docs/archive.md: a single process owns the data folder, so no ingest of an earlier run is still writing.
            await app.Services.GetRequiredService<ArchiveSweeper>()
                .SweepAsync(new SweepOptions
                {
                    StaleCreatingAfter = TimeSpan.Zero,
                    StaleDeletingAfter = TimeSpan.Zero,
                    // Every temporary file is a put of an earlier run that died: none of this process has begun yet.
                    TemporaryFilesAfter = TimeSpan.Zero,
                }, cancellationToken).ConfigureAwait(false);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        if (console is not null)
        {
            var servicePath = app.Services.GetRequiredService<PublicUrlOptions>().ServicePath;
            foreach (var url in app.Urls)
            {
                await console.WriteLineAsync($"Pacs DICOMweb listening at {url.TrimEnd('/')}{servicePath}").ConfigureAwait(false);
            }

            await console.WriteLineAsync($"Data folder: {Path.GetFullPath(options.DataFolder)}").ConfigureAwait(false);
            var storage = app.Services.GetRequiredService<PacsStorageOptions>();
            if (storage.Provider == PacsStorageProvider.AzureBlob)
                await console.WriteLineAsync($"Stored objects: Azure Blob Storage, container {storage.Container}").ConfigureAwait(false);
        }
    }
}
