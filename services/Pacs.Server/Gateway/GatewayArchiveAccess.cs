using Pacs.Archive;
using Pacs.Gateway.Archive;

namespace Pacs.Server.Gateway;

/// <summary>Registration of the embedded gateway's in-process access to the archive.</summary>
public static class GatewayArchiveAccess
{
    /// <summary>
    /// Registers <see cref="IArchiveQuery"/> and <see cref="IArchiveRetrieve"/> over the archive's own services, so the
    /// gateway's C-FIND, C-MOVE and C-GET reach the index and the store without HTTP.
    /// </summary>
    public static IServiceCollection AddPacsGatewayInProcessArchive(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IArchiveQuery>(provider => new InProcessArchiveQuery(provider.GetRequiredService<QueryService>()));
        services.AddSingleton<IArchiveRetrieve>(provider => new InProcessArchiveRetrieve(provider.GetRequiredService<RetrieveService>()));
        return services;
    }
}
