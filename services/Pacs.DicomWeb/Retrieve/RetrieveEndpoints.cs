using Pacs.Archive;
using Pacs.Dicom;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;
using Pacs.Storage;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>WADO-RS (PS3.18 10.4) study, series and instance retrieval as Part 10 objects, streamed from the store as stored.</summary>
public static class RetrieveEndpoints
{
    public static IEndpointRouteBuilder MapRetrieveEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/studies/{study}", (HttpContext c, string study, RetrieveService r) => RetrieveAsync(c, r, study, null, null));
        routes.MapGet("/studies/{study}/series/{series}", (HttpContext c, string study, string series, RetrieveService r) =>
            RetrieveAsync(c, r, study, series, null));
        routes.MapGet("/studies/{study}/series/{series}/instances/{instance}", (HttpContext c, string study, string series, string instance, RetrieveService r) =>
            RetrieveAsync(c, r, study, series, instance));
        return routes;
    }

    /// <summary>The instances a study, series or instance path names; 404 naming the UID when there are none.</summary>
    internal static async Task<IReadOnlyList<StoredInstance>> FindAsync(RetrieveService retrieve, string study, string? series, string? instance, CancellationToken cancellationToken)
    {
        var found = await retrieve.FindInstancesAsync(study, series, instance, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            var (what, uid) = instance is not null ? ("instance", instance) : series is not null ? ("series", series) : ("study", study);
            throw new DicomWebException(DicomWebProblem.NotFound($"No {what} {uid} is stored here.") with { Uid = uid });
        }

        return found;
    }

    /// <summary>Opens a stored object, turning the store's refusals into problems that say why.</summary>
    internal static async Task<BlobReadStream> OpenAsync(RetrieveService retrieve, StoredInstance instance, BlobRange? range, CancellationToken cancellationToken)
    {
        try
        {
            return await retrieve.OpenAsync(instance, range, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobRangeNotSatisfiableException exception)
        {
            throw new DicomWebException(new DicomWebProblem(StatusCodes.Status416RangeNotSatisfiable,
                $"The range asked for lies outside the {instance.SizeBytes} bytes of instance {instance.SopInstanceUid}.") { Uid = instance.SopInstanceUid }, exception);
        }
        catch (BlobArchivedException exception)
        {
            throw new DicomWebException(DicomWebProblem.Conflict(
                $"Instance {instance.SopInstanceUid} is in the archive tier and must be rehydrated before it can be read.") with { Uid = instance.SopInstanceUid }, exception);
        }
        catch (BlobNotFoundException exception)
        {
            // Deleted between the index lookup and the read.
            throw new DicomWebException(DicomWebProblem.NotFound($"Instance {instance.SopInstanceUid} is no longer stored.") with { Uid = instance.SopInstanceUid }, exception);
        }
    }

    private static async Task RetrieveAsync(HttpContext context, RetrieveService retrieve, string study, string? series, string? instance)
    {
        var cancellationToken = context.RequestAborted;
        var acceptable = AcceptableMediaTypes.FromRequest(context.Request);
        var instances = await FindAsync(retrieve, study, series, instance, cancellationToken).ConfigureAwait(false);

        // PS3.18 8.7.8.1: the transfer syntax is chosen per part; every part must be deliverable before the first byte goes out.
        var representations = instances
            .Select(i => ContentNegotiator.Negotiate(DicomWebResourceKind.Instances, acceptable,
                new RepresentationSource { StoredTransferSyntaxUid = i.TransferSyntaxUid, SingleItem = instance is not null, CanTranscode = CanTranscode })
                .SelectedOrThrow())
            .ToList();

        var response = context.Response;
        if (!representations[0].IsMultipart)
        {
            // PS3.18 10.4.4: application/dicom alone answers a single-instance target.
            response.ContentType = representations[0].GetContentType();
            if (!representations[0].IsTranscoded)
            {
                response.Headers.AcceptRanges = "bytes";
                response.Headers.ETag = instances[0].ETag;
                if (await WriteRangeAsync(context, retrieve, instances[0], cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                response.ContentLength = instances[0].SizeBytes;
            }

            await WriteInstanceAsync(response.Body, retrieve, instances[0], representations[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        var writer = new MultipartRelatedWriter(response.Body);
        response.ContentType = representations[0].GetContentType(writer.Boundary);
        for (var i = 0; i < instances.Count; i++)
        {
            var (stored, representation) = (instances[i], representations[i]);
            await writer.WritePartAsync(new MultipartPartHeaders(representation.PartContentType) { ContentLength = representation.IsTranscoded ? null : stored.SizeBytes },
                (part, ct) => WriteInstanceAsync(part, retrieve, stored, representation, ct), cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 9110 14: one byte range of the stored object (as stored, application/dicom) answered with 206, unless an
    /// If-Range names another version; a range past the end answers 416. False when the request asks for no range (or
    /// for several, which are served as the whole object).
    /// </summary>
    private static async Task<bool> WriteRangeAsync(HttpContext context, RetrieveService retrieve, StoredInstance instance, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (MetadataEndpoints.ByteRange(request.Headers.Range.ToString(), instance.SizeBytes) is not { } range)
        {
            return false;
        }

        var ifRange = request.Headers.IfRange.ToString();
        if (ifRange.Length > 0 && ifRange != instance.ETag)
        {
            return false;
        }

        var response = context.Response;
        if (range.Count <= 0)
        {
            response.Headers.ContentRange = $"bytes */{instance.SizeBytes}";
            throw new DicomWebException(new DicomWebProblem(StatusCodes.Status416RangeNotSatisfiable,
                $"The range \"{request.Headers.Range}\" lies outside the {instance.SizeBytes} bytes of instance {instance.SopInstanceUid}.") { Uid = instance.SopInstanceUid });
        }

        response.StatusCode = StatusCodes.Status206PartialContent;
        response.Headers.ContentRange = $"bytes {range.Start}-{range.Start + range.Count - 1}/{instance.SizeBytes}";
        response.ContentLength = range.Count;
        await using var stream = await OpenAsync(retrieve, instance, BlobRange.From(range.Start, range.Count), cancellationToken).ConfigureAwait(false);
        await stream.CopyToAsync(response.Body, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The conversions offered: between the uncompressed transfer syntaxes (the writer re-encodes the data set), from
    /// uncompressed to RLE Lossless, and from every syntax the codec registry decodes (RLE, JPEG, JPEG-LS, PS3.5 A.4) to
    /// uncompressed. Other compressed data (e.g. JPEG 2000) goes only as stored.
    /// </summary>
    internal static bool CanTranscode(string from, string to)
    {
        var (source, target) = (DicomTransferSyntax.Lookup(from), DicomTransferSyntax.Lookup(to));
        return source.Equals(target) || (!source.IsEncapsulated && !target.IsEncapsulated) || new DicomDecodingTranscoder().CanTranscode(source, target);
    }

    /// <summary>The stored bytes, or the object re-written in the negotiated transfer syntax.</summary>
    private static async Task WriteInstanceAsync(Stream output, RetrieveService retrieve, StoredInstance instance, NegotiatedRepresentation representation,
        CancellationToken cancellationToken)
    {
        if (!representation.IsTranscoded)
        {
            await using var stream = await OpenAsync(retrieve, instance, null, cancellationToken).ConfigureAwait(false);
            await stream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A temporary copy: the reader leaves pixel data in place and the writer reads it back frame by frame.
        var path = Path.Combine(Path.GetTempPath(), $"pacs-transcode-{Guid.NewGuid():N}.dcm");
        try
        {
            await using (var source = await OpenAsync(retrieve, instance, null, cancellationToken).ConfigureAwait(false))
            await using (var target = File.Create(path))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            var bulkData = new DicomFileBulkDataSource(path);
            var file = DicomFile.Open(path);
            await DicomWriter.WriteFileAsync(output, file, new DicomWriteOptions
            {
                TransferSyntax = DicomTransferSyntax.Lookup(representation.TransferSyntaxUid!),
                BulkDataSource = bulkData,
                PixelDataTranscoder = new DicomDecodingTranscoder(bulkData),
                FlushToDisk = false,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DicomCodecException exception)
        {
            // The frames are decoded before the first byte of the object is written, so a single-instance answer can still be a problem.
            throw new DicomWebException(DicomWebProblem.NotAcceptable(
                $"Instance {instance.SopInstanceUid} cannot be sent as {representation.TransferSyntaxUid}: {exception.Message}") with { Uid = instance.SopInstanceUid }, exception);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
