using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pacs.Archive;
using Pacs.Messaging.Bus;
using Pacs.Storage;

namespace Pacs.Indexer;

/// <summary>Wiring of the indexer into a host: its own process (Program.cs) or the embedded server.</summary>
public static class IndexerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the projector, the document refresher, the start-up reconcile and the rebuilder. Needs the archive
    /// (<c>AddPacsArchive</c>) and an <see cref="IBlobStore"/>; the bus and its consumer come from
    /// <see cref="AddIndexerConsumer"/> inside <see cref="PacsBus.AddPacsBus"/>. A registered
    /// <see cref="ISeriesMetadataDocuments"/> is used; otherwise the archive's stored documents (<see cref="ArchiveSeriesMetadataDocuments"/>
    /// over <c>IMetadataDocuments</c>, which <c>AddPacsArchive</c> registers), or none (<see cref="NoSeriesMetadataDocuments"/>).
    /// </summary>
    public static IServiceCollection AddPacsIndexer(this IServiceCollection services, IndexerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(options ?? new IndexerOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISeriesMetadataDocuments>(sp => sp.GetService<IMetadataDocuments>() is { } documents
            ? new ArchiveSeriesMetadataDocuments(documents)
            : new NoSeriesMetadataDocuments());
        services.AddSingleton(sp => new IndexProjector(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<IngestService>(),
            sp.GetRequiredService<IndexerOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<IndexProjector>>()));
        services.AddSingleton(sp => new SeriesDocumentRefresher(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<IndexProjector>(),
            sp.GetRequiredService<ISeriesMetadataDocuments>(), sp.GetRequiredService<IndexerOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SeriesDocumentRefresher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SeriesDocumentRefresher>());
        services.AddHostedService(sp => new IndexerReconcileService(sp.GetRequiredService<IndexProjector>(), sp.GetRequiredService<IndexerOptions>(),
            sp.GetService<ILogger<IndexerReconcileService>>()));
        services.AddSingleton(sp => new IndexRebuilder(sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<IngestService>(),
            sp.GetRequiredService<ArchiveOptions>(), sp.GetService<ILogger<IndexRebuilder>>()));
        return services;
    }

    /// <summary>Registers the indexer's consumer on its own queue (<see cref="IndexerOptions.ConsumerName"/> with the bus's prefix).</summary>
    public static IBusRegistrationConfigurator AddIndexerConsumer(this IBusRegistrationConfigurator bus, IndexerOptions options, BusOptions busOptions)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(busOptions);
        bus.AddConsumer<IndexerConsumer>(typeof(IndexerConsumerDefinition)).Endpoint(e => e.Name = busOptions.EntityPrefix + options.ConsumerName);
        return bus;
    }
}

/// <summary>
/// The indexer queue's own concurrency and prefetch (<see cref="IndexerOptions.ConcurrentMessageLimit"/>,
/// <see cref="IndexerOptions.PrefetchCount"/>), above the bus's defaults for every queue: the deliveries in hand while a
/// batch commits are what the next batch is made of. Applied when the consumer is connected to its endpoint, after the
/// bus's conventions (<see cref="PacsBus"/>), which it overrides for this queue only.
/// </summary>
internal sealed class IndexerConsumerDefinition : ConsumerDefinition<IndexerConsumer>
{
    private readonly IndexerOptions _options;

    public IndexerConsumerDefinition(IndexerOptions options)
    {
        _options = options;
        ConcurrentMessageLimit = Math.Max(1, options.ConcurrentMessageLimit);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<IndexerConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        int limit = Math.Max(1, _options.ConcurrentMessageLimit);
        endpointConfigurator.ConcurrentMessageLimit = limit;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = Math.Max(limit, _options.PrefetchCount);
    }
}

/// <summary>Runs <see cref="IndexProjector.ReconcileAsync"/> once at start (when <see cref="IndexerOptions.ReconcileAtStart"/>).</summary>
internal sealed partial class IndexerReconcileService(IndexProjector projector, IndexerOptions options, ILogger<IndexerReconcileService>? logger)
    : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Completes when the start-up reconcile has finished (or was not asked for).</summary>
    public Task Completion => _done.Task;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.ReconcileAtStart)
        {
            _done.TrySetResult();
            return;
        }
        for (var delay = TimeSpan.FromSeconds(1); !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks)))
        {
            try
            {
                await projector.ReconcileAsync(stoppingToken).ConfigureAwait(false);
                _done.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database is not reachable yet: the service keeps running and tries again.
                LogReconcileFailed(e, delay);
            }
            try
            {
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        _done.TrySetCanceled(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up reconcile failed; trying again in {Delay}")]
    private partial void LogReconcileFailed(Exception e, TimeSpan delay);
}
