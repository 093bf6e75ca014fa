using Pacs.Archive;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Delete;

/// <summary>DELETE of a study, series or instance (every stored version); 204 when something was removed, 404 when nothing was there.</summary>
public static class DeleteEndpoints
{
    public static IEndpointRouteBuilder MapDeleteEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapDelete("/studies/{study}", async (string study, DeleteService d, CancellationToken ct) =>
            Answer(await d.DeleteStudyAsync(study, ct).ConfigureAwait(false), "study", study));
        routes.MapDelete("/studies/{study}/series/{series}", async (string study, string series, DeleteService d, CancellationToken ct) =>
            Answer(await d.DeleteSeriesAsync(study, series, ct).ConfigureAwait(false), "series", series));
        routes.MapDelete("/studies/{study}/series/{series}/instances/{instance}", async (string study, string series, string instance, DeleteService d, CancellationToken ct) =>
            Answer(await d.DeleteInstanceAsync(study, series, instance, ct).ConfigureAwait(false), "instance", instance));
        return routes;
    }

    private static IResult Answer(int deleted, string what, string uid) => deleted > 0
        ? Results.NoContent()
        : throw new DicomWebException(DicomWebProblem.NotFound($"No {what} {uid} is stored here.") with { Uid = uid });
}
