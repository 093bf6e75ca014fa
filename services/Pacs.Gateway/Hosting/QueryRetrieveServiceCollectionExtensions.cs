using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.Hosting;

/// <summary>Registration of the standalone gateway's access to a remote archive for query/retrieve.</summary>
public static class QueryRetrieveServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IArchiveQuery"/> and <see cref="IArchiveRetrieve"/> as a <see cref="DicomWebArchiveClient"/>
    /// on <see cref="GatewayOptions.ArchiveUrl"/> (QIDO-RS and WADO-RS), sending <see cref="GatewayOptions.ArchiveBearerToken"/>
    /// when set (part of <see cref="GatewayServiceCollectionExtensions.AddPacsGatewayHttpArchive"/>). The embedded server
    /// registers in-process implementations instead.
    /// </summary>
    public static IServiceCollection AddPacsGatewayDicomWebQueryRetrieve(this IServiceCollection services, DicomWebArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider => CreateClient(provider.GetRequiredService<GatewayOptions>(), options));
        services.TryAddSingleton<IArchiveQuery>(provider => provider.GetRequiredService<DicomWebArchiveClient>());
        services.TryAddSingleton<IArchiveRetrieve>(provider => provider.GetRequiredService<DicomWebArchiveClient>());
        return services;
    }

    /// <summary>A client for the archive at <see cref="GatewayOptions.ArchiveUrl"/>.</summary>
    public static DicomWebArchiveClient CreateClient(GatewayOptions gateway, DicomWebArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (gateway.ArchiveUrl is not { Length: > 0 } url || !Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var root))
        {
            throw new InvalidOperationException($"{GatewayOptions.ConfigurationSection}:ArchiveUrl must be the archive's DICOMweb base URL for query/retrieve.");
        }

        // Timeouts are the client's own (per request and per read), not HttpClient's whole-response one: a C-MOVE of a
        // large study streams for as long as it takes.
        var http = new HttpClient { BaseAddress = root, Timeout = Timeout.InfiniteTimeSpan };
        if (gateway.ArchiveBearerToken is { Length: > 0 } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new DicomWebArchiveClient(http, options);
    }
}
