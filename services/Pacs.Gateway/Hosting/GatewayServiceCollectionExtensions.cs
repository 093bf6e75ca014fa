using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Forwarding;
using Pacs.Gateway.QueryRetrieve;
using Pacs.Gateway.Routing;
using Pacs.Gateway.Spool;
using Pacs.Gateway.Storage;

namespace Pacs.Gateway.Hosting;

/// <summary>Registers the gateway in a host: options, DIMSE listener, spool and its forwarders.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway, configured from "Pacs:Gateway" of <paramref name="configuration"/> and then
    /// <paramref name="configure"/>. The archive the spool is forwarded to is an <c>IArchiveUploader</c> the caller
    /// registers (the embedded server's in-process one, or <see cref="AddPacsGatewayHttpArchive"/>). With
    /// <see cref="GatewayOptions.Enabled"/> false only the options are registered.
    /// </summary>
    public static IServiceCollection AddPacsGateway(this IServiceCollection services, IConfiguration configuration, Action<GatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new GatewayOptions();
        configuration.GetSection(GatewayOptions.ConfigurationSection).Bind(options);
        configure?.Invoke(options);
        services.AddSingleton(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayQueryRetrieve>();
        services.AddSingleton<GatewaySpool>();
        services.AddSingleton<GatewayRouter>();
        services.AddSingleton<GatewayStoreScp>();
        services.AddSingleton(provider => new StorageCommitmentScp(provider.GetRequiredService<GatewayOptions>(), provider.GetRequiredService<GatewaySpool>(),
            provider.GetRequiredService<IArchiveUploader>(), provider.GetRequiredService<TimeProvider>(), provider.GetService<ILogger<StorageCommitmentScp>>()));
        services.AddSingleton<ArchiveForwarder>();
        services.AddSingleton<RouteForwarder>();
        services.AddSingleton<Func<DimseAssociation, DimseService>>(provider =>
        {
            var queryRetrieve = provider.GetRequiredService<GatewayQueryRetrieve>();
            var store = provider.GetRequiredService<GatewayStoreScp>();
            var commitment = provider.GetRequiredService<StorageCommitmentScp>();
            var logger = provider.GetRequiredService<ILogger<GatewayDimseService>>();
            return _ => new GatewayDimseService(queryRetrieve, store, commitment) { Logger = logger };
        });
        services.AddSingleton<GatewayHost>();

        // Forwarders first (they resume the spool), the listener last; stopped in reverse order.
        services.AddHostedService(provider =>
        {
            var forwarder = provider.GetRequiredService<ArchiveForwarder>();
            var commitment = provider.GetRequiredService<StorageCommitmentScp>();
            forwarder.Delivered += commitment.Wake;
            return forwarder;
        });
        services.AddHostedService(provider => provider.GetRequiredService<RouteForwarder>());
        services.AddHostedService(provider => provider.GetRequiredService<StorageCommitmentScp>());
        services.AddHostedService(provider => provider.GetRequiredService<GatewayHost>());
        return services;
    }

    /// <summary>
    /// The archive over DICOMweb for the gateway on its own, at <see cref="GatewayOptions.ArchiveUrl"/> with
    /// <see cref="GatewayOptions.ArchiveBearerToken"/> when set: STOW-RS for the spool and QIDO-RS for storage commitment
    /// (<see cref="StowRsArchiveUploader"/>), QIDO-RS and WADO-RS for query/retrieve
    /// (<see cref="QueryRetrieveServiceCollectionExtensions.AddPacsGatewayDicomWebQueryRetrieve"/>).
    /// </summary>
    public static IServiceCollection AddPacsGatewayHttpArchive(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IArchiveUploader>(provider => new StowRsArchiveUploader(provider.GetRequiredService<GatewayOptions>(), provider.GetService<ILogger<StowRsArchiveUploader>>()));
        services.AddPacsGatewayDicomWebQueryRetrieve();
        return services;
    }
}
