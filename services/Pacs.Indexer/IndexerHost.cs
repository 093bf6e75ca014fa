using Pacs.Archive;
using Pacs.DicomWeb.Hosting;
using Pacs.Messaging.Bus;
using Pacs.ServiceDefaults;

namespace Pacs.Indexer;

/// <summary>
/// The indexer as a service of its own (<c>dotnet Pacs.Indexer.dll</c>, the <c>pacs-indexer</c> container): service
/// defaults (logs, telemetry, <c>/health/live</c> and <c>/health/ready</c>, graceful shutdown), the archive from
/// configuration (<c>Pacs:Database</c>, <c>Pacs:Storage</c>, <c>Pacs:Archive</c>, as every archive host reads them), the
/// bus (<c>Bus</c>, RabbitMQ unless configured otherwise; readiness follows the broker) and its own settings
/// (<c>Pacs:Indexer</c>). On stop the bus stops taking messages and finishes those in hand; unacknowledged ones are
/// delivered again, and the inbox drops what had been applied.
/// </summary>
public static class IndexerHost
{
    public const string DefaultName = "pacs-indexer";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults(DefaultName);
        builder.AddArchiveFromConfiguration();
        var indexer = new IndexerOptions();
        builder.Configuration.GetSection(IndexerOptions.ConfigurationSection).Bind(indexer);
        // A lone indexer only makes sense on a broker; the in-memory transport is for hosting it inside the server.
        var bus = new BusOptions { Transport = BusTransport.RabbitMq };
        builder.Configuration.GetSection(BusOptions.ConfigurationSection).Bind(bus);
        builder.Services.AddPacsIndexer(indexer);
        builder.Services.AddPacsBus(bus, x => x.AddIndexerConsumer(indexer, bus));

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        return app;
    }

    /// <summary>Waits for the database and brings its schema up to date (the index may be new), then starts.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await ArchiveHosting.PrepareArchiveAsync(app.Services, cancellationToken).ConfigureAwait(false);
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
        await ArchiveHosting.PrepareArchiveAsync(app.Services, cancellationToken).ConfigureAwait(false);
        var progress = new Progress<RebuildProgress>(p =>
            output.WriteLine($"{p.BlobsSeen} blobs: {p.Indexed} indexed, {p.Skipped} skipped, {p.Unreadable} not indexed"));
        var report = await app.Services.GetRequiredService<IndexRebuilder>().RebuildAsync(progress, cancellationToken).ConfigureAwait(false);
        foreach (var line in report.ToLines())
            await output.WriteLineAsync(line).ConfigureAwait(false);
        return report.NotIndexed.Count == 0 ? 0 : 3;
    }
}
