using Pacs.Gateway;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Hosting;

namespace Pacs.Server.Gateway;

/// <summary>
/// The DIMSE gateway inside the embedded server: configured from "Pacs:Gateway" like the gateway on its own (AE "PACS"
/// on 127.0.0.1:11112 by default), its spool in the data folder unless configured elsewhere, and its forwarder writing
/// into this process's archive through <see cref="InProcessArchiveUploader"/>.
/// </summary>
public static class EmbeddedGateway
{
    public static IServiceCollection AddEmbeddedGatewayStorage(this IServiceCollection services, IConfiguration configuration, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var spoolConfigured = !string.IsNullOrWhiteSpace(configuration[$"{GatewayOptions.ConfigurationSection}:{nameof(GatewayOptions.SpoolFolder)}"]);
        services.AddSingleton<IArchiveUploader, InProcessArchiveUploader>();
        services.AddPacsGateway(configuration, options =>
        {
            if (!spoolConfigured)
            {
                options.SpoolFolder = Path.Combine(dataFolder, "gateway-spool");
            }
        });
        return services;
    }
}
