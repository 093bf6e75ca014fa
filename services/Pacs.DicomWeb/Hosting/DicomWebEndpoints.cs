using Pacs.DicomWeb.ChangeFeed;
using Pacs.DicomWeb.Delete;
using Pacs.DicomWeb.Query;
using Pacs.DicomWeb.Retrieve;
using Pacs.DicomWeb.Store;
using Pacs.ServiceDefaults;

namespace Pacs.DicomWeb.Hosting;

/// <summary>Maps every DICOMweb resource group under one prefix (PS3.18 8.2 {+SERVICE}, "/dicom-web" by default).</summary>
public static class DicomWebEndpoints
{
    public static RouteGroupBuilder MapDicomWeb(this IEndpointRouteBuilder routes, string prefix = "/dicom-web")
    {
        ArgumentNullException.ThrowIfNull(routes);
        var group = routes.MapGroup(prefix);
        group.MapStoreEndpoints();
        group.MapQueryEndpoints();
        group.MapRetrieveEndpoints();
        group.MapMetadataEndpoints();
        group.MapFrameEndpoints();
        group.MapRenderedEndpoints();
        group.MapDeleteEndpoints();
        group.MapChangeFeedEndpoints();
        // Service:Auth — when on, each request needs the role its method calls for (read, write, delete).
        group.RequireServiceRoles();
        return group;
    }
}
