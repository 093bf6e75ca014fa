using Pacs.Archive;
using Pacs.DicomWeb.Hosting;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Store;

/// <summary>STOW-RS (PS3.18 10.5): POST /studies and /studies/{study}, each part streamed into the archive's ingest in turn.</summary>
public static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStoreEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost("/studies", (HttpContext context, IngestService ingest, PublicUrlOptions urls) => StoreAsync(context, null, ingest, urls));
        routes.MapPost("/studies/{study}", (HttpContext context, string study, IngestService ingest, PublicUrlOptions urls) => StoreAsync(context, study, ingest, urls));
        return routes;
    }

    private static async Task<IResult> StoreAsync(HttpContext context, string? study, IngestService ingest, PublicUrlOptions urls)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;

        // Negotiate before reading the body: a client that cannot read the answer should not upload a study first.
        var representation = ContentNegotiator.Negotiate(DicomWebResourceKind.StoreResponse, AcceptableMediaTypes.FromRequest(request)).SelectedOrThrow();
        var response = new StoreResponseBuilder(ServiceBaseUrl.Resolve(request, urls));
        var options = new IngestOptions { ExpectedStudyInstanceUid = study };
        Pacs.Http.MediaType.TryParse(request.ContentType, out var contentType);

        if (contentType is not null && contentType.Is(DicomMediaTypes.MultipartRelated))
        {
            // PS3.18 10.5.1.2: the type parameter, when present, must be application/dicom (the JSON/XML + bulk data forms are not offered).
            if (contentType.GetParameter("type") is { } type && !string.Equals(type, DicomMediaTypes.Dicom, StringComparison.OrdinalIgnoreCase))
            {
                throw new DicomWebException(DicomWebProblem.UnsupportedMediaType(
                    $"multipart/related; type=\"{type}\" is not accepted; send parts of type \"{DicomMediaTypes.Dicom}\"."));
            }

            await using var reader = MultipartRelatedReader.FromRequest(request);
            var partsBegun = 0;
            // Parts are read one after another (the body is one stream) but stored overlapping: while a part waits for
            // its blob's fsync and its group commit, the next ones are read and join the same commits. At most
            // PartsInFlight are held at a time (each holds its spooled copy), so memory stays flat with the request's
            // size. Results are reported in part order.
            var pending = new Queue<Pending>();
            try
            {
                try
                {
                    while (await reader.ReadNextPartAsync(cancellationToken).ConfigureAwait(false) is { } part)
                    {
                        partsBegun++;
                        if (part.ContentType is { } partType && !partType.Is(DicomMediaTypes.Dicom))
                        {
                            // PS3.18 10.5.3: a part this service cannot store is a failure of that part, not of the request.
                            pending.Enqueue(new Pending(null, $"a part of type {partType} is not application/dicom"));
                            continue;
                        }

                        while (pending.Count >= PartsInFlight)
                            await ReportAsync(response, pending.Dequeue()).ConfigureAwait(false);
                        pending.Enqueue(new Pending(await ingest.BeginIngestAsync(part.Body, options, cancellationToken).ConfigureAwait(false), null));
                    }
                }
                catch (MultipartException e) when (partsBegun > 0 && !cancellationToken.IsCancellationRequested)
                {
                    // The body ended (the client finished sending) without the close delimiter, or inside a part: the parts
                    // completed before were committed and are reported; the cut one stored nothing (ingest spools a part whole
                    // before it writes anything) and is a processing failure (PS3.18 10.5.3: 202 when some were stored).
                    // A client whose connection dropped never gets here: that read fails with an I/O error, not this one. A body
                    // with no part at all stays a 400 (bad syntax).
                    while (pending.Count > 0)
                        await ReportAsync(response, pending.Dequeue()).ConfigureAwait(false);
                    response.AddFailed(null, null, StoreFailureReasons.ProcessingFailure, $"the request body was cut off: {e.Message}");
                }
                while (pending.Count > 0)
                    await ReportAsync(response, pending.Dequeue()).ConfigureAwait(false);
            }
            finally
            {
                // On any failure (the client went away, the request was cancelled), parts already begun still finish
                // (or stop) before the request ends: nothing runs on after it.
                while (pending.Count > 0)
                {
                    if (pending.Dequeue().Ingest is { } left)
                    {
                        try
                        {
                            await left.ConfigureAwait(false);
                        }
                        catch (Exception)
                        {
                            // The request is failing already; this part's own failure adds nothing to that.
                        }
                    }
                }
            }
        }
        else if (contentType is not null && contentType.Is(DicomMediaTypes.Dicom))
        {
            Add(response, await ingest.IngestAsync(request.Body, options, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            throw new DicomWebException(DicomWebProblem.UnsupportedMediaType(
                $"Content-Type \"{request.ContentType}\" is not accepted; send multipart/related; type=\"{DicomMediaTypes.Dicom}\" or {DicomMediaTypes.Dicom}."));
        }

        // On the request's span (ASP.NET Core's): what the STOW-RS request did, beside the per-object ingest spans.
        if (System.Diagnostics.Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("pacs.stow.stored", response.StoredCount);
            activity.SetTag("pacs.stow.failed", response.FailedCount);
        }

        return new StoreResponseResult(response, representation);
    }

    /// <summary>Parts of one request being stored at the same time: enough to fill a group commit, bounded for memory.</summary>
    internal const int PartsInFlight = 8;

    /// <summary>A part begun: its ingest, or the reason it was not even tried.</summary>
    private sealed record Pending(Task<IngestResult>? Ingest, string? NotDicom);

    private static async Task ReportAsync(StoreResponseBuilder response, Pending part)
    {
        if (part.Ingest is null)
            response.AddFailed(null, null, StoreFailureReasons.SopClassNotSupported, part.NotDicom);
        else
            Add(response, await part.Ingest.ConfigureAwait(false));
    }

    private static void Add(StoreResponseBuilder response, IngestResult result)
    {
        if (result.Succeeded)
        {
            response.AddStored(result.StudyInstanceUid!, result.SeriesInstanceUid!, result.SopClassUid!, result.SopInstanceUid!,
                result.Warnings.Count > 0 ? result.Warnings[0].Reason : null);
        }
        else
        {
            response.AddFailed(result.SopClassUid, result.SopInstanceUid, result.FailureReason ?? StoreFailureReasons.ProcessingFailure, result.FailureDescription);
        }
    }
}
