using Microsoft.EntityFrameworkCore;
using Pacs.Archive;
using Pacs.ServiceDefaults;
using Pacs.Storage;

namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// What a service host that owns the archive decides, bound from section <c>Pacs</c>. With every default the service
/// keeps a SQLite index and the blobs under <see cref="DataFolder"/>, as on a developer's machine; production sets
/// <c>Pacs:Database:Provider=PostgreSql</c> and <c>Pacs:Storage:Provider=AzureBlob</c> (docs/deployment.md).
/// </summary>
public sealed class ArchiveHostOptions
{
    public const string ConfigurationSection = "Pacs";

    /// <summary>Folder for the SQLite index and file-system blobs when those are used. Default <c>data</c> (relative to the working directory).</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>Apply pending migrations of the index schema before serving. Default true (EF Core holds a lock, so replicas starting together migrate once).</summary>
    public bool MigrateAtStart { get; set; } = true;

    /// <summary>How long to keep trying to reach the database at start (it may start after this service), in seconds. Default 60.</summary>
    public int DatabaseWaitSeconds { get; set; } = 60;

    /// <summary>
    /// Minutes between sweeps of what interrupted ingests and deletes left (with the sweeper's safe staleness
    /// thresholds, so replicas sweeping at once do not disturb each other's ingests); 0 turns it off. Default 15.
    /// </summary>
    public int SweepIntervalMinutes { get; set; } = 15;

    /// <summary>
    /// The periodic sweep removes the blob store's temporary files (what a put killed mid-way leaves) last written more
    /// than this many hours ago, and looks for them at most once per that many hours: the file store walks every shard
    /// folder to find them, and a put in progress (of any replica) keeps writing its file. 0 turns it off. Default 24.
    /// </summary>
    public int TemporaryFilesAfterHours { get; set; } = 24;
}

/// <summary>
/// The archive of a service host from configuration: the index database (<c>Pacs:Database</c>), the blob store
/// (<c>Pacs:Storage</c>), the archive settings (<c>Pacs:Archive</c>), their readiness checks, start-up migration and
/// the periodic sweep. Any service that owns the archive (DICOMweb, the indexer) uses it, so all read the same keys.
/// </summary>
public static class ArchiveHosting
{
    /// <summary>Registers the archive services, the blob store and the "database" and "blob-store" readiness checks.</summary>
    public static ArchiveHostOptions AddArchiveFromConfiguration(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var host = new ArchiveHostOptions();
        configuration.GetSection(ArchiveHostOptions.ConfigurationSection).Bind(host);
        if (host.DatabaseWaitSeconds < 0 || host.SweepIntervalMinutes < 0 || host.TemporaryFilesAfterHours < 0)
        {
            throw new InvalidOperationException(
                "Pacs:DatabaseWaitSeconds, Pacs:SweepIntervalMinutes and Pacs:TemporaryFilesAfterHours must not be negative.");
        }
        builder.Services.AddSingleton(host);

        var database = new ArchiveDatabaseOptions();
        configuration.GetSection("Pacs:Database").Bind(database);
        if (string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            if (database.Provider != ArchiveDatabaseProvider.Sqlite)
                throw new InvalidOperationException("Pacs:Database:ConnectionString is required for Pacs:Database:Provider=PostgreSql.");
            Directory.CreateDirectory(host.DataFolder);
            database.ConnectionString = $"Data Source={Path.Combine(Path.GetFullPath(host.DataFolder), "index.db")}";
        }

        var archive = new ArchiveOptions();
        configuration.GetSection("Pacs:Archive").Bind(archive);
        if (archive.SpoolFolder is { Length: > 0 } spool)
            Directory.CreateDirectory(spool);

        // The same keys as the embedded server (Pacs:Storage:Provider, :RootPath, :ConnectionString, :Endpoint, …).
        var storage = new PacsStorageOptions();
        configuration.GetSection(PacsStorageOptions.ConfigurationSection).Bind(storage);
        builder.Services.AddSingleton(storage);
        var dataFolder = Path.GetFullPath(host.DataFolder);
        builder.Services.AddSingleton(_ => storage.CreateStore(dataFolder));
        builder.Services.AddPacsArchive(database, archive);
        if (host.SweepIntervalMinutes > 0)
            builder.Services.AddHostedService<ArchiveSweepService>();

        builder.Services.AddArchiveHealthChecks();
        return host;
    }

    /// <summary>
    /// The readiness checks of the archive's dependencies: "database" (opens a connection) and "blob-store" (asks the
    /// store about one blob name), each bounded by <c>Service:Health:CheckTimeoutSeconds</c>.
    /// </summary>
    public static IServiceCollection AddArchiveHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddDependencyCheck("database", async (services, cancellationToken) =>
            {
                await using var db = services.GetRequiredService<ArchiveDatabase>().CreateContext();
                // A round trip, not just an open: a pooled connection the server has dropped opens without one.
                await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken).ConfigureAwait(false);
            })
            .AddDependencyCheck("blob-store", (services, cancellationToken) =>
                // A name no ingest writes: false is the healthy answer; unreachable or unauthorized stores throw.
                services.GetRequiredService<IBlobStore>().ExistsAsync("health/probe", cancellationToken));
        return services;
    }

    /// <summary>
    /// Before serving: waits for the database (up to <see cref="ArchiveHostOptions.DatabaseWaitSeconds"/>, retrying
    /// with back-off) and applies pending migrations when <see cref="ArchiveHostOptions.MigrateAtStart"/>.
    /// </summary>
    public static async Task PrepareArchiveAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var host = services.GetRequiredService<ArchiveHostOptions>();
        // Resolve the store now, so a misconfigured one fails the start naming its key rather than the first request.
        _ = services.GetRequiredService<IBlobStore>();
        var database = services.GetRequiredService<ArchiveDatabase>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ArchiveHosting).FullName!);
        var clock = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var deadline = clock.GetUtcNow().AddSeconds(host.DatabaseWaitSeconds);
        var delay = TimeSpan.FromMilliseconds(250);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (host.MigrateAtStart)
                {
                    await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await using var db = database.CreateContext();
                    await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && clock.GetUtcNow() + delay < deadline)
            {
                logger.LogWarning("The index database is not usable yet (attempt {Attempt}): {Message}; retrying in {Delay} ms",
                    attempt, e.GetBaseException().Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, clock, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    /// <summary>
    /// What the periodic sweep at <paramref name="now"/> covers: the sweeper's default (safe) thresholds, and the store's
    /// temporary files older than <see cref="ArchiveHostOptions.TemporaryFilesAfterHours"/> when no sweep looked for them
    /// within that period (<paramref name="lastTemporarySweep"/>, which is then moved to <paramref name="now"/>).
    /// </summary>
    internal static SweepOptions PeriodicSweep(ArchiveHostOptions host, DateTimeOffset now, ref DateTimeOffset? lastTemporarySweep)
    {
        if (host.TemporaryFilesAfterHours <= 0)
            return new SweepOptions();
        var period = TimeSpan.FromHours(host.TemporaryFilesAfterHours);
        if (lastTemporarySweep is { } last && now - last < period)
            return new SweepOptions();
        lastTemporarySweep = now;
        return new SweepOptions { TemporaryFilesAfter = period };
    }

    /// <summary>Runs the sweeper every <see cref="ArchiveHostOptions.SweepIntervalMinutes"/> (see <see cref="PeriodicSweep"/>).</summary>
    private sealed class ArchiveSweepService(ArchiveSweeper sweeper, ArchiveHostOptions host, ILogger<ArchiveSweepService> logger) : BackgroundService
    {
        private DateTimeOffset? _lastTemporarySweep;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMinutes(host.SweepIntervalMinutes));
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var options = PeriodicSweep(host, DateTimeOffset.UtcNow, ref _lastTemporarySweep);
                    var report = await sweeper.SweepAsync(options, stoppingToken).ConfigureAwait(false);
                    logger.LogInformation("Sweep: {Report}", report);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next sweep tries again; a failed sweep never stops the service.
                    logger.LogError(e, "Sweep failed");
                }
            }
        }
    }
}
