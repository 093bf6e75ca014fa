using System.Globalization;
using Pacs.Archive;
using Pacs.Dicom;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>WADO-RS frames (PS3.18 10.4.1.1.5): one frame or a comma list, each read by range from the stored object.</summary>
public static class FrameEndpoints
{
    public static IEndpointRouteBuilder MapFrameEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}",
            (HttpContext c, string study, string series, string instance, string frames, RetrieveService r) => RetrieveFramesAsync(c, r, study, series, instance, frames));
        return routes;
    }

    /// <summary>PS3.18 10.4.1.1.5: {frames} is a comma-separated list of positive frame numbers.</summary>
    internal static List<int> ParseFrameList(string text)
    {
        var numbers = new List<int>();
        foreach (var item in text.Split(','))
        {
            if (!int.TryParse(item.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                throw new DicomWebException(DicomWebProblem.BadRequest(
                    $"Frame list \"{text}\" is not a comma-separated list of frame numbers starting at 1 (PS3.18 10.4.1.1.5)."));
            }

            numbers.Add(number);
        }

        return numbers;
    }

    private static async Task RetrieveFramesAsync(HttpContext context, RetrieveService retrieve, string study, string series, string sop, string frameList)
    {
        var cancellationToken = context.RequestAborted;
        var numbers = ParseFrameList(frameList);
        var instance = (await RetrieveEndpoints.FindAsync(retrieve, study, series, sop, cancellationToken).ConfigureAwait(false))[0];
        var frameCount = instance.Frames?.Count ?? instance.NumberOfFrames;
        if (frameCount is null or 0)
        {
            throw new DicomWebException(DicomWebProblem.NotFound($"Instance {sop} has no pixel data frames.") with { Uid = sop });
        }

        if (numbers.FirstOrDefault(n => n > frameCount) is var beyond and > 0)
        {
            throw new DicomWebException(DicomWebProblem.NotFound($"Instance {sop} has {frameCount} frames; there is no frame {beyond}.") with { Uid = sop });
        }

        var representation = ContentNegotiator.Negotiate(DicomWebResourceKind.Frames, AcceptableMediaTypes.FromRequest(context.Request),
            new RepresentationSource { StoredTransferSyntaxUid = instance.TransferSyntaxUid, SingleItem = numbers.Count == 1, CanTranscode = CanDecode })
            .SelectedOrThrow();

        // Compressed frames asked for as uncompressed data are decoded one by one with the geometry of the header.
        var header = representation.IsTranscoded ? await MetadataEndpoints.ReadHeaderAsync(retrieve, instance, cancellationToken).ConfigureAwait(false) : null;

        var response = context.Response;
        if (!representation.IsMultipart)
        {
            var single = await ReadAsync(retrieve, instance, header, numbers[0], cancellationToken).ConfigureAwait(false);
            response.ContentType = representation.GetContentType();
            response.ContentLength = single.Length;
            await response.Body.WriteAsync(single, cancellationToken).ConfigureAwait(false);
            return;
        }

        var writer = new MultipartRelatedWriter(response.Body);
        response.ContentType = representation.GetContentType(writer.Boundary);
        foreach (var number in numbers)
        {
            var frame = await ReadAsync(retrieve, instance, header, number, cancellationToken).ConfigureAwait(false);
            await writer.WritePartAsync(new MultipartPartHeaders(representation.PartContentType) { ContentLength = frame.Length }, frame, cancellationToken)
                .ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames of every syntax the codec registry decodes (RLE, JPEG, JPEG-LS) can be sent as native little-endian data.</summary>
    private static bool CanDecode(string from, string to) =>
        !DicomTransferSyntax.Lookup(to).IsEncapsulated && DicomCodecs.FindDecoder(DicomTransferSyntax.Lookup(from)) is not null;

    /// <param name="header">Given when the frame must be decoded to native samples; null to send it as stored.</param>
    private static async Task<byte[]> ReadAsync(RetrieveService retrieve, StoredInstance instance, DicomDataset? header, int number, CancellationToken cancellationToken)
    {
        try
        {
            var frame = await retrieve.ReadFrameAsync(instance, number, cancellationToken).ConfigureAwait(false);
            return header is null
                ? frame
                : DicomCodecs.DecodeFrame(DicomTransferSyntax.Lookup(instance.TransferSyntaxUid), frame, DicomFrameGeometry.FromDataset(header)).Pixels;
        }
        catch (DicomException exception)
        {
            throw new DicomWebException(DicomWebProblem.NotAcceptable(
                $"Frame {number} of instance {instance.SopInstanceUid} cannot be decoded to native samples: {exception.Message}") with { Uid = instance.SopInstanceUid }, exception);
        }
        catch (InvalidOperationException exception)
        {
            // The archive says the frame is not held in full by the stored pixel data.
            throw new DicomWebException(DicomWebProblem.NotFound(exception.Message) with { Uid = instance.SopInstanceUid }, exception);
        }
    }
}
