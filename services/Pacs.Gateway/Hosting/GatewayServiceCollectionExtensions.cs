using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pacs.Dimse;
using Pacs.Gateway.QueryRetrieve;

namespace Pacs.Gateway.Hosting;

/// <summary>Registers the gateway in a host: options, DIMSE listener, spool and its forwarders.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway, configured from "Pacs:Gateway" of <paramref name="configuration"/> and then
    /// <paramref name="configure"/>. The archive the spool is forwarded to is an <c>IArchiveUploader</c> the caller
    /// registers (the embedded server's in-process one, or AddPacsGatewayHttpArchive). With
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

        services.TryAddSingleton<GatewayQueryRetrieve>();
        services.AddSingleton<Func<DimseAssociation, DimseService>>(provider =>
        {
            var queryRetrieve = provider.GetRequiredService<GatewayQueryRetrieve>();
            var logger = provider.GetRequiredService<ILogger<GatewayDimseService>>();
            return _ => new GatewayDimseService(queryRetrieve) { Logger = logger };
        });
        services.AddSingleton<GatewayHost>();
        services.AddHostedService(provider => provider.GetRequiredService<GatewayHost>());
        return services;
    }
}
