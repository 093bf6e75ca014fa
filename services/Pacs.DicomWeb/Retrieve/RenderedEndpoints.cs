using Pacs.Archive;
using Pacs.Dicom;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;
using Pacs.Imaging;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>
/// WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.3, 10.4.1.1.4; parameters PS3.18 8.3.5): one frame
/// rendered to image/jpeg (default) or image/png with window, viewport and quality. The frame comes from the
/// archive's range reads; native data and every syntax the codec registry decodes (RLE, JPEG, JPEG-LS) are rendered,
/// others (e.g. JPEG 2000) are refused with 406 naming the syntax.
/// </summary>
public static class RenderedEndpoints
{
    public static IEndpointRouteBuilder MapRenderedEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        const string Instance = "/studies/{study}/series/{series}/instances/{instance}";
        routes.MapGet($"{Instance}/rendered", (HttpContext c, string study, string series, string instance, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, "1", thumbnail: false));
        routes.MapGet($"{Instance}/frames/{{frames}}/rendered", (HttpContext c, string study, string series, string instance, string frames, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, frames, thumbnail: false));
        routes.MapGet($"{Instance}/thumbnail", (HttpContext c, string study, string series, string instance, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, "1", thumbnail: true));
        routes.MapGet($"{Instance}/frames/{{frames}}/thumbnail", (HttpContext c, string study, string series, string instance, string frames, RetrieveService r) =>
            RenderAsync(c, r, study, series, instance, frames, thumbnail: true));
        routes.MapGet("/studies/{study}/series/{series}/thumbnail", (HttpContext c, string study, string series, RetrieveService r) =>
            RenderAsync(c, r, study, series, null, "1", thumbnail: true));
        routes.MapGet("/studies/{study}/thumbnail", (HttpContext c, string study, RetrieveService r) =>
            RenderAsync(c, r, study, null, null, "1", thumbnail: true));
        return routes;
    }

    private static async Task RenderAsync(HttpContext context, RetrieveService retrieve, string study, string? series, string? sop, string frameList, bool thumbnail)
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        var numbers = FrameEndpoints.ParseFrameList(frameList);
        if (numbers.Count != 1)
        {
            throw new DicomWebException(DicomWebProblem.BadRequest("A rendered frame resource names one frame; multi-frame rendering is not offered."));
        }

        // PS3.18 8.3.3.1: the accept query parameter wins over the Accept header.
        var representation = ContentNegotiator.Negotiate(thumbnail ? DicomWebResourceKind.Thumbnail : DicomWebResourceKind.Rendered,
            AcceptableMediaTypes.FromRequest(request), new RepresentationSource { SingleItem = true }).SelectedOrThrow();
        if (!RenderedMediaTypes.IsSupported(representation.MediaType))
        {
            throw new DicomWebException(DicomWebProblem.NotAcceptable(
                $"Rendered images are offered as {string.Join(" or ", RenderedMediaTypes.Supported)}, not {representation.MediaType}."));
        }

        if (!RenderingParameters.TryParse(request.QueryString.Value, out var parameters, out var error))
        {
            throw new DicomWebException(DicomWebProblem.BadRequest(error));
        }

        // A study or series thumbnail shows its first instance in QIDO order (series number, instance number).
        var instance = (await RetrieveEndpoints.FindAsync(retrieve, study, series, sop, cancellationToken).ConfigureAwait(false))[0];
        var frameCount = instance.Frames?.Count ?? instance.NumberOfFrames;
        if (frameCount is null or 0 || numbers[0] > frameCount)
        {
            throw new DicomWebException(DicomWebProblem.NotFound(
                $"Instance {instance.SopInstanceUid} has {frameCount ?? 0} frames; there is no frame {numbers[0]} to render.") with { Uid = instance.SopInstanceUid });
        }

        var header = await MetadataEndpoints.ReadHeaderAsync(retrieve, instance, cancellationToken).ConfigureAwait(false);
        var frame = await retrieve.ReadFrameAsync(instance, numbers[0], cancellationToken).ConfigureAwait(false);
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
        RenderedMediaTypes.Encode(buffer, image, representation.MediaType, parameters);
        context.Response.ContentType = representation.MediaType;
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, cancellationToken).ConfigureAwait(false);
    }
}
