using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pacs.Archive;

/// <summary>Registers the archive services. The host registers the <see cref="Pacs.Storage.IBlobStore"/> and calls
/// <see cref="ArchiveDatabase.MigrateAsync"/> once before serving.</summary>
public static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ArchiveDatabase"/>, <see cref="IngestService"/>, <see cref="QueryService"/>,
    /// <see cref="RetrieveService"/>, <see cref="DeleteService"/>, <see cref="ArchiveSweeper"/>,
    /// <see cref="ChangeFeedReader"/> and <see cref="OutboxStore"/> as singletons: each opens a short-lived context per
    /// call, so one instance serves every request concurrently.
    /// </summary>
    public static IServiceCollection AddPacsArchive(this IServiceCollection services, ArchiveDatabaseOptions database, ArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(database);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options ?? new ArchiveOptions());
        services.AddSingleton(new ArchiveDatabase(database));
        services.AddSingleton(sp => new IngestService(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<Pacs.Storage.IBlobStore>(),
            sp.GetRequiredService<ArchiveOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<IngestService>>()));
        services.AddSingleton(sp => new QueryService(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<ArchiveOptions>()));
        services.AddSingleton(sp => new RetrieveService(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<Pacs.Storage.IBlobStore>()));
        services.AddSingleton(sp => new DeleteService(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<Pacs.Storage.IBlobStore>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<DeleteService>>()));
        services.AddSingleton(sp => new ArchiveSweeper(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<Pacs.Storage.IBlobStore>(),
            sp.GetRequiredService<ArchiveOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<ArchiveSweeper>>()));
        services.AddSingleton(sp => new SeriesMetadataDocuments(sp.GetRequiredService<RetrieveService>(), sp.GetRequiredService<Pacs.Storage.IBlobStore>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<SeriesMetadataDocuments>>(), sp.GetRequiredService<ArchiveOptions>().MetadataCacheBytes));
        services.AddSingleton<IMetadataDocuments>(sp => sp.GetRequiredService<SeriesMetadataDocuments>());
        services.AddSingleton(sp => new ChangeFeedReader(sp.GetRequiredService<ArchiveDatabase>()));
        services.AddSingleton(sp => new OutboxStore(sp.GetRequiredService<ArchiveDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Pacs.Messaging.Outbox.IOutboxStore>(sp => sp.GetRequiredService<OutboxStore>());
        return services;
    }
}
