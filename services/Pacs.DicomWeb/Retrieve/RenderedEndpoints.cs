using Pacs.Archive;
using Pacs.Dicom;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;
using Pacs.Http.Multipart;
using Pacs.Imaging;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>
/// WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.3, 10.4.1.1.4; parameters PS3.18 8.3.5): one frame
/// rendered to image/jpeg (default) or image/png with window, viewport and quality. The frame comes from the
/// archive's range reads; native data and every syntax the codec registry decodes (RLE, JPEG, JPEG-LS) are rendered,
/// others (e.g. JPEG 2000) are refused with 406 naming the syntax.
/// Resources of several images — a study or series rendered (every frame of every instance, in retrieve order) and a
/// list of frames — answer multipart/related with one image part each (PS3.18 10.4.1.1.3, 8.7.3.5).
/// </summary>
public static class RenderedEndpoints
{
    public static IEndpointRouteBuilder MapRenderedEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        const string Instance = "/studies/{study}/series/{series}/instances/{instance}";
        routes.MapGet($"{Instance}/rendered", (HttpContext c, string study, string series, string instance, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, null, thumbnail: false));
        routes.MapGet($"{Instance}/frames/{{frames}}/rendered", (HttpContext c, string study, string series, string instance, string frames, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, frames, thumbnail: false));
        routes.MapGet($"{Instance}/thumbnail", (HttpContext c, string study, string series, string instance, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, "1", thumbnail: true));
        routes.MapGet($"{Instance}/frames/{{frames}}/thumbnail", (HttpContext c, string study, string series, string instance, string frames, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, frames, thumbnail: true));
        routes.MapGet("/studies/{study}/series/{series}/rendered", (HttpContext c, string study, string series, RetrieveService r) =>
            RenderAllAsync(c, r, study, series));
        routes.MapGet("/studies/{study}/rendered", (HttpContext c, string study, RetrieveService r) =>
            RenderAllAsync(c, r, study, null));
        routes.MapGet("/studies/{study}/series/{series}/thumbnail", (HttpContext c, string study, string series, RetrieveService r) =>
            RenderAsync(c, r, study, series, null, "1", thumbnail: true));
        routes.MapGet("/studies/{study}/thumbnail", (HttpContext c, string study, RetrieveService r) =>
            RenderAsync(c, r, study, null, null, "1", thumbnail: true));
        return routes;
    }

    /// <param name="frameList">The frames named in the path; null for the instance resource, which is its first frame, or
    /// every frame as multipart/related when the client asks for that (PS3.18 10.4.1.1.3: a multi-frame instance
    /// rendered).</param>
    private static async Task RenderAsync(HttpContext context, RetrieveService retrieve, string study, string? series, string? sop, string? frameList, bool thumbnail)
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        var numbers = FrameEndpoints.ParseFrameList(frameList ?? "1");
        if (numbers.Count != 1 && thumbnail)
        {
            throw new DicomWebException(DicomWebProblem.BadRequest("A thumbnail is one image; name one frame."));
        }

        var (mediaType, parameters) = Negotiate(context, thumbnail);

        // A study or series thumbnail shows its first instance in QIDO order (series number, instance number).
        var instance = (await RetrieveEndpoints.FindAsync(retrieve, study, series, sop, cancellationToken).ConfigureAwait(false))[0];
        var frameCount = instance.Frames?.Count ?? instance.NumberOfFrames;
        if (frameList is null && frameCount > 1 && MultipartImageType(request) is not null)
        {
            numbers = Enumerable.Range(1, frameCount.Value).ToList();
        }

        var missing = numbers.FirstOrDefault(n => frameCount is null or 0 || n > frameCount);
        if (missing > 0)
        {
            throw new DicomWebException(DicomWebProblem.NotFound(
                $"Instance {instance.SopInstanceUid} has {frameCount ?? 0} frames; there is no frame {missing} to render.") with { Uid = instance.SopInstanceUid });
        }

        var header = await MetadataEndpoints.ReadHeaderAsync(retrieve, instance, cancellationToken).ConfigureAwait(false);
        if (numbers.Count > 1)
        {
            var writer = new MultipartRelatedWriter(context.Response.Body);
            context.Response.ContentType = $"multipart/related; type=\"{mediaType}\"; boundary={writer.Boundary}";
            foreach (var number in numbers)
            {
                var bytes = await RenderFrameAsync(retrieve, instance, header, number, parameters, mediaType, thumbnail: false, cancellationToken).ConfigureAwait(false);
                await writer.WritePartAsync(new MultipartPartHeaders(mediaType), bytes, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var image = await RenderFrameAsync(retrieve, instance, header, numbers[0], parameters, mediaType, thumbnail, cancellationToken).ConfigureAwait(false);
        context.Response.ContentType = mediaType;
        context.Response.ContentLength = image.Length;
        await context.Response.Body.WriteAsync(image, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every frame of every instance of a study or series, one image part each, in retrieve order.</summary>
    private static async Task RenderAllAsync(HttpContext context, RetrieveService retrieve, string study, string? series)
    {
        var cancellationToken = context.RequestAborted;
        var (mediaType, parameters) = Negotiate(context, thumbnail: false);
        var instances = await RetrieveEndpoints.FindAsync(retrieve, study, series, null, cancellationToken).ConfigureAwait(false);
        var writer = new MultipartRelatedWriter(context.Response.Body);
        context.Response.ContentType = $"multipart/related; type=\"{mediaType}\"; boundary={writer.Boundary}";
        foreach (var instance in instances)
        {
            var frameCount = instance.Frames?.Count ?? instance.NumberOfFrames ?? 0;
            if (frameCount == 0)
            {
                // Objects without pixel data (reports, documents) have no rendering here.
                continue;
            }

            var header = await MetadataEndpoints.ReadHeaderAsync(retrieve, instance, cancellationToken).ConfigureAwait(false);
            for (var number = 1; number <= frameCount; number++)
            {
                var bytes = await RenderFrameAsync(retrieve, instance, header, number, parameters, mediaType, thumbnail: false, cancellationToken).ConfigureAwait(false);
                var headers = new MultipartPartHeaders(mediaType)
                {
                    ContentLocation = $"studies/{instance.StudyInstanceUid}/series/{instance.SeriesInstanceUid}/instances/{instance.SopInstanceUid}/frames/{number}/rendered",
                };
                await writer.WritePartAsync(headers, bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The image media type (PS3.18 8.3.3.1: the accept query parameter wins over the Accept header; a
    /// multipart/related Accept names it in its type parameter) and the rendering parameters.
    /// </summary>
    private static (string MediaType, RenderingParameters Parameters) Negotiate(HttpContext context, bool thumbnail)
    {
        var request = context.Request;
        string mediaType;
        try
        {
            mediaType = ContentNegotiator.Negotiate(thumbnail ? DicomWebResourceKind.Thumbnail : DicomWebResourceKind.Rendered,
                AcceptableMediaTypes.FromRequest(request), new RepresentationSource { SingleItem = true }).SelectedOrThrow().MediaType;
        }
        catch (DicomWebException) when (MultipartImageType(request) is { } inner)
        {
            mediaType = inner;
        }

        if (!RenderedMediaTypes.IsSupported(mediaType))
        {
            throw new DicomWebException(DicomWebProblem.NotAcceptable(
                $"Rendered images are offered as {string.Join(" or ", RenderedMediaTypes.Supported)}, not {mediaType}."));
        }

        if (!RenderingParameters.TryParse(request.QueryString.Value, out var parameters, out var error))
        {
            throw new DicomWebException(DicomWebProblem.BadRequest(error));
        }

        return (mediaType, parameters);
    }

    /// <summary>The image type a multipart/related Accept asks for ("multipart/related; type=\"image/png\""), if any.</summary>
    private static string? MultipartImageType(HttpRequest request)
    {
        foreach (var value in request.Headers.Accept.SelectMany(v => (v ?? "").Split(',')))
        {
            if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(value.Trim(), out var parsed)
                && parsed.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase)
                && parsed.Parameters.FirstOrDefault(p => p.Name.Equals("type", StringComparison.OrdinalIgnoreCase))?.Value.ToString().Trim('"') is { } type
                && RenderedMediaTypes.IsSupported(type))
            {
                return type;
            }
        }

        return null;
    }

    private static async Task<byte[]> RenderFrameAsync(RetrieveService retrieve, StoredInstance instance, DicomDataset header, int number,
        RenderingParameters parameters, string mediaType, bool thumbnail, CancellationToken cancellationToken)
    {
        var frame = await retrieve.ReadFrameAsync(instance, number, cancellationToken).ConfigureAwait(false);
        RenderedImage image;
        try
        {
            var syntax = DicomTransferSyntax.Lookup(instance.TransferSyntaxUid);
            image = thumbnail
                ? StoredFrameRenderer.RenderThumbnail(header, syntax, frame, parameters)
                : StoredFrameRenderer.Render(header, syntax, frame, parameters);
        }
        catch (ImageRenderingException exception)
        {
            throw new DicomWebException(DicomWebProblem.NotAcceptable($"Instance {instance.SopInstanceUid} cannot be rendered: {exception.Message}")
                with { Uid = instance.SopInstanceUid }, exception);
        }

        using var buffer = new MemoryStream();
        RenderedMediaTypes.Encode(buffer, image, mediaType, parameters);
        return buffer.ToArray();
    }
}
