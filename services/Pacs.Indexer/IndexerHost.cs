using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pacs.Archive;
using Pacs.Messaging.Bus;
using Pacs.Storage;

namespace Pacs.Indexer;

/// <summary>
/// The indexer as a service of its own: the index database (<c>Pacs:Database</c>), the blob store (<c>Pacs:Storage</c>),
/// the bus (<c>Bus</c>, RabbitMQ unless configured otherwise), its own settings (<c>Pacs:Indexer</c>); liveness at
/// <c>/health/live</c>, readiness (database reachable, bus connected) at <c>/health/ready</c>. Stops gracefully:
/// the bus stops taking messages and finishes the ones in hand before the process ends.
/// </summary>
public static class IndexerHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var configuration = builder.Configuration;

        var database = new ArchiveDatabaseOptions();
        configuration.GetSection("Pacs:Database").Bind(database);
        var archive = new ArchiveOptions();
        configuration.GetSection("Pacs:Archive").Bind(archive);
        var storage = new IndexerStorageOptions();
        configuration.GetSection(IndexerStorageOptions.ConfigurationSection).Bind(storage);
        var indexer = new IndexerOptions();
        configuration.GetSection(IndexerOptions.ConfigurationSection).Bind(indexer);
        // A lone indexer only makes sense on a broker; the in-memory transport is for hosting it inside the server.
        var bus = new BusOptions { Transport = BusTransport.RabbitMq };
        configuration.GetSection(BusOptions.ConfigurationSection).Bind(bus);

        builder.Services.AddSingleton<IBlobStore>(_ => storage.CreateStore());
        builder.Services.AddPacsArchive(database, archive);
        builder.Services.AddPacsIndexer(indexer);
        builder.Services.AddPacsBus(bus, x => x.AddIndexerConsumer(indexer, bus));
        // Liveness has no checks (the process answers); readiness checks the dependencies.
        builder.Services.AddHealthChecks().AddCheck<IndexDatabaseHealthCheck>("index-database", tags: ["ready"]);
        builder.Services.AddSingleton<IndexDatabaseHealthCheck>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") || c.Tags.Contains("masstransit") });
        return app;
    }

    /// <summary>Brings the schema up to date (the index may be new) and starts the host.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.Services.GetRequiredService<ArchiveDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>Pacs.Indexer rebuild</c>: indexes every stored blob (disaster recovery), writing progress and the report to
    /// <paramref name="output"/>. Exit code 0 when every blob was indexed or skipped as already indexed, 3 when some
    /// could not be (listed in the report).
    /// </summary>
    public static async Task<int> RebuildAsync(WebApplication app, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(output);
        await app.Services.GetRequiredService<ArchiveDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        var progress = new Progress<RebuildProgress>(p =>
            output.WriteLine($"{p.BlobsSeen} blobs: {p.Indexed} indexed, {p.Skipped} skipped, {p.Unreadable} not indexed"));
        var report = await app.Services.GetRequiredService<IndexRebuilder>().RebuildAsync(progress, cancellationToken).ConfigureAwait(false);
        foreach (var line in report.ToLines())
            await output.WriteLineAsync(line).ConfigureAwait(false);
        return report.NotIndexed.Count == 0 ? 0 : 3;
    }
}

/// <summary>Readiness: the index database answers.</summary>
internal sealed class IndexDatabaseHealthCheck(ArchiveDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The index database does not answer.");
    }
}
