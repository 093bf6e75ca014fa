using Pacs.Archive;
using Pacs.Dicom;
using Pacs.DicomWeb.Hosting;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Query;

/// <summary>QIDO-RS (PS3.18 10.6): search for studies, series and instances, at the top and nested under a study and series.</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/studies", (HttpContext c, QueryService q, PublicUrlOptions u) => SearchAsync(c, q, u, QidoLevel.Study, null, null));
        routes.MapGet("/series", (HttpContext c, QueryService q, PublicUrlOptions u) => SearchAsync(c, q, u, QidoLevel.Series, null, null));
        routes.MapGet("/instances", (HttpContext c, QueryService q, PublicUrlOptions u) => SearchAsync(c, q, u, QidoLevel.Instance, null, null));
        routes.MapGet("/studies/{study}/series", (HttpContext c, string study, QueryService q, PublicUrlOptions u) =>
            SearchAsync(c, q, u, QidoLevel.Series, study, null));
        routes.MapGet("/studies/{study}/instances", (HttpContext c, string study, QueryService q, PublicUrlOptions u) =>
            SearchAsync(c, q, u, QidoLevel.Instance, study, null));
        routes.MapGet("/studies/{study}/series/{series}/instances", (HttpContext c, string study, string series, QueryService q, PublicUrlOptions u) =>
            SearchAsync(c, q, u, QidoLevel.Instance, study, series));
        return routes;
    }

    private static async Task SearchAsync(HttpContext context, QueryService queries, PublicUrlOptions urls, QidoLevel level, string? study, string? series)
    {
        var request = context.Request;
        var response = context.Response;
        var representation = ContentNegotiator.Negotiate(DicomWebResourceKind.SearchResults, AcceptableMediaTypes.FromRequest(request)).SelectedOrThrow();
        var parsed = QidoQueryParser.Parse(level, study, series, request.QueryString.Value);
        var ignored = new List<string>();
        var query = QidoQueryMapper.ToArchiveQuery(parsed, ignored);

        QidoResult result;
        try
        {
            result = await queries.QueryAsync(query, context.RequestAborted).ConfigureAwait(false);
        }
        catch (QidoQueryException exception)
        {
            var problem = DicomWebProblem.BadRequest(exception.Message);
            throw new DicomWebException(exception.Tag is { } tag ? problem.WithTag(tag) : problem, exception);
        }

        var baseUrl = ServiceBaseUrl.Resolve(request, urls);
        foreach (var match in result.Matches)
        {
            match.Set(DicomTag.RetrieveURL, DicomVR.UR, [RetrieveUrl(baseUrl, level, match)]);
        }

        // PS3.18 8.3.4.4 and 10.6.3: warnings travel as Warning: 299 headers naming what was ignored or cut.
        ignored.AddRange(result.UnsupportedKeys.Select(t => $"{t.ToHexString()} (not a matching key of this level)"));
        ignored.AddRange(result.UnsupportedIncludeFields.Select(t => $"includefield={t.ToHexString()} (not kept by the index)"));
        if (ignored.Count > 0)
        {
            response.Headers.Append("Warning", $"299 pacs \"The following were ignored: {string.Join(", ", ignored)}\"");
        }

        if (result.HasMore)
        {
            response.Headers.Append("Warning", "299 pacs \"There are additional results that can be requested\"");
        }

        if (result.Matches.Count == 0)
        {
            // PS3.18 10.6.3.1: no match is 204 with no body.
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        if (representation.IsMultipart)
        {
            // PS3.18 10.6.3.2: multipart/related; type="application/dicom+xml", one data set per part.
            var writer = new MultipartRelatedWriter(response.Body);
            response.ContentType = representation.GetContentType(writer.Boundary);
            foreach (var match in result.Matches)
            {
                using var buffer = new MemoryStream();
                new DicomXmlWriter().Write(buffer, match);
                await writer.WritePartAsync(new MultipartPartHeaders(representation.PartContentType), buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
            }

            await writer.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.ContentType = representation.GetContentType();
        new DicomJsonWriter().WriteArray(response.BodyWriter, result.Matches);
        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static string RetrieveUrl(string baseUrl, QidoLevel level, DicomDataset match)
    {
        var study = match.GetString(DicomTag.StudyInstanceUID);
        return level switch
        {
            QidoLevel.Study => $"{baseUrl}/studies/{study}",
            QidoLevel.Series => $"{baseUrl}/studies/{study}/series/{match.GetString(DicomTag.SeriesInstanceUID)}",
            _ => $"{baseUrl}/studies/{study}/series/{match.GetString(DicomTag.SeriesInstanceUID)}/instances/{match.GetString(DicomTag.SOPInstanceUID)}",
        };
    }
}
