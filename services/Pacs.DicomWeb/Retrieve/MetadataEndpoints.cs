using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pacs.Archive;
using Pacs.Dicom;
using Pacs.DicomWeb.Hosting;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Problems;
using Pacs.Storage;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>
/// WADO-RS metadata (PS3.18 10.4.1.1.2) of a study, series or instance as DICOM JSON, with every binary value as a
/// BulkDataURI into the bulkdata endpoint (PS3.18 F.2.6) built from the address the client used; and that bulkdata
/// endpoint, a byte range of the stored object. Study and series metadata in JSON come from the series documents
/// (<see cref="IMetadataDocuments"/>) built once per series version and stored, not from parsing every instance.
/// </summary>
public static class MetadataEndpoints
{
    public static IEndpointRouteBuilder MapMetadataEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/studies/{study}/metadata",
            (HttpContext c, string study, RetrieveService r, PublicUrlOptions u, MetadataCache m, IMetadataDocuments d) =>
                MetadataAsync(c, r, u, m, d, study, null, null));
        routes.MapGet("/studies/{study}/series/{series}/metadata",
            (HttpContext c, string study, string series, RetrieveService r, PublicUrlOptions u, MetadataCache m, IMetadataDocuments d) =>
                MetadataAsync(c, r, u, m, d, study, series, null));
        routes.MapGet("/studies/{study}/series/{series}/instances/{instance}/metadata",
            (HttpContext c, string study, string series, string instance, RetrieveService r, PublicUrlOptions u, MetadataCache m, IMetadataDocuments d) =>
                MetadataAsync(c, r, u, m, d, study, series, instance));
        routes.MapGet("/studies/{study}/series/{series}/instances/{instance}/bulkdata/{offset:long}-{length:long}",
            (HttpContext c, string study, string series, string instance, long offset, long length, RetrieveService r) =>
                BulkDataAsync(c, r, study, series, instance, offset, length));
        return routes;
    }

    private static async Task MetadataAsync(HttpContext context, RetrieveService retrieve, PublicUrlOptions urls, MetadataCache cache,
        IMetadataDocuments documents, string study, string? series, string? sop)
    {
        var cancellationToken = context.RequestAborted;
        var representation = ContentNegotiator.Negotiate(DicomWebResourceKind.Metadata, AcceptableMediaTypes.FromRequest(context.Request)).SelectedOrThrow();
        var baseUrl = ServiceBaseUrl.Resolve(context.Request, urls);
        if (sop is null)
        {
            await SeriesDocumentsAsync(context, retrieve, documents, representation, baseUrl, study, series, cancellationToken).ConfigureAwait(false);
            return;
        }

        var instances = await RetrieveEndpoints.FindAsync(retrieve, study, series, sop, cancellationToken).ConfigureAwait(false);

        // The stored objects never change under a version (their SHA-256 names them), so the set of hashes and the
        // base URL the BulkDataURIs use identify the document: a client revalidates without a body (RFC 9110 13.1.2).
        var etag = ETagOf(representation.IsMultipart, baseUrl, instances.Select(i => i.Sha256));
        if (NotModified(context, etag))
            return;

        if (representation.IsMultipart)
        {
            // PS3.18 10.4.1.1.2: multipart/related; type="application/dicom+xml", one Native DICOM Model document per instance.
            var writer = new MultipartRelatedWriter(context.Response.Body);
            context.Response.ContentType = representation.GetContentType(writer.Boundary);
            foreach (var instance in instances)
            {
                var (dataset, options) = await HeaderAndOptionsAsync(retrieve, instance, baseUrl, cancellationToken).ConfigureAwait(false);
                using var xml = new MemoryStream();
                new DicomXmlWriter(options).Write(xml, dataset);
                await writer.WritePartAsync(new MultipartPartHeaders(representation.PartContentType), xml.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = representation.GetContentType();
        using var buffer = new MemoryStream();
        for (var i = 0; i < instances.Count; i++)
        {
            buffer.WriteByte(i == 0 ? (byte)'[' : (byte)',');
            buffer.Write(await InstanceJsonAsync(retrieve, cache, instances[i], baseUrl, cancellationToken).ConfigureAwait(false));
        }

        buffer.WriteByte((byte)']');
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Study and series metadata from the per-series documents: one grouped index query names the current version of
    /// each series; the ETag follows from those names, so a revalidation (If-None-Match) is answered without reading
    /// any document; otherwise each document comes from memory (or its one stored blob) and is copied to the response
    /// with the base URL put into its BulkDataURIs on the way.
    /// </summary>
    private static async Task SeriesDocumentsAsync(HttpContext context, RetrieveService retrieve, IMetadataDocuments documents,
        NegotiatedRepresentation representation, string baseUrl, string study, string? series, CancellationToken cancellationToken)
    {
        var versions = await retrieve.FindSeriesVersionsAsync(study, series, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            var (what, uid) = series is not null ? ("series", series) : ("study", study);
            throw new DicomWebException(DicomWebProblem.NotFound($"No {what} {uid} is stored here.") with { Uid = uid });
        }

        if (NotModified(context, ETagOf(representation.IsMultipart, baseUrl, versions.Select(v => $"{v.SeriesInstanceUid}/{v.Version}"))))
            return;

        var found = new List<SeriesMetadataDocument>(versions.Count);
        foreach (var version in versions)
        {
            if (await documents.GetSeriesAsync(version, cancellationToken).ConfigureAwait(false) is { } document)
                found.Add(document);
        }

        if (found.Count == 0)
        {
            var (what, uid) = series is not null ? ("series", series) : ("study", study);
            throw new DicomWebException(DicomWebProblem.NotFound($"No {what} {uid} is stored here.") with { Uid = uid });
        }

        // The version served may be newer than the one looked up (a store in between): the ETag names what is sent.
        var response = context.Response;
        response.Headers.ETag = ETagOf(representation.IsMultipart, baseUrl, found.Select(d => $"{d.SeriesInstanceUid}/{d.Version}"));
        if (representation.IsMultipart)
        {
            // PS3.18 10.4.1.1.2: multipart/related; type="application/dicom+xml", one Native DICOM Model document per
            // instance, made from the series document (no stored object is parsed).
            // Parts of a few kilobytes each: gathered into 64 KiB writes (the writer flushes it when complete).
            var buffered = new BufferedStream(response.Body, 64 * 1024);
            var writer = new MultipartRelatedWriter(buffered);
            response.ContentType = representation.GetContentType(writer.Boundary);
            foreach (var document in found)
            {
                int count = document.XmlDocumentCount;
                if (documents is SeriesMetadataDocuments stored)
                    stored.Remeasure(document);
                for (int i = 0; i < count; i++)
                {
                    var headers = new MultipartPartHeaders(representation.PartContentType) { ContentLength = document.XmlDocumentLength(i, baseUrl) };
                    int index = i;
                    await writer.WritePartAsync(headers, (output, ct) => document.WriteXmlDocumentAsync(output, index, baseUrl, ct), cancellationToken)
                        .ConfigureAwait(false);
                }
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await buffered.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        response.ContentType = representation.GetContentType();
        response.ContentLength = 2 + (found.Count - 1) + found.Sum(d => d.InstancesLength(baseUrl));
        var body = response.Body;
        await body.WriteAsync("["u8.ToArray(), cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < found.Count; i++)
        {
            if (i > 0)
                await body.WriteAsync(","u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await found[i].WriteInstancesAsync(body, baseUrl, cancellationToken).ConfigureAwait(false);
        }

        await body.WriteAsync("]"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the ETag; true (and 304) when If-None-Match names it or is "*" (RFC 9110 13.1.2).</summary>
    private static bool NotModified(HttpContext context, string etag)
    {
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*")))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return true;
        }

        return false;
    }

    /// <summary>One instance's metadata as a DICOM JSON object, from the cache or built from the stored object's header.</summary>
    private static async Task<byte[]> InstanceJsonAsync(RetrieveService retrieve, MetadataCache cache, StoredInstance instance, string baseUrl,
        CancellationToken cancellationToken)
    {
        if (cache.TryGet(instance.Sha256, InstanceUrl(baseUrl, instance), out var cached))
        {
            return cached;
        }

        var (dataset, options) = await HeaderAndOptionsAsync(retrieve, instance, baseUrl, cancellationToken).ConfigureAwait(false);
        using var json = new MemoryStream();
        new DicomJsonWriter(options).Write(json, dataset);
        var bytes = json.ToArray();
        cache.Set(instance.Sha256, InstanceUrl(baseUrl, instance), bytes);
        return bytes;
    }

    private static string InstanceUrl(string baseUrl, StoredInstance instance) =>
        $"{baseUrl}/studies/{instance.StudyInstanceUid}/series/{instance.SeriesInstanceUid}/instances/{instance.SopInstanceUid}";

    /// <summary>The header and writer options whose BulkDataURIs name the instance and each value's place in its stored object.</summary>
    private static async Task<(DicomDataset Dataset, DicomModelWriterOptions Options)> HeaderAndOptionsAsync(RetrieveService retrieve, StoredInstance instance,
        string baseUrl, CancellationToken cancellationToken)
    {
        var dataset = await ReadHeaderAsync(retrieve, instance, cancellationToken).ConfigureAwait(false);
        return (dataset, SeriesMetadataDocuments.WriterOptions(instance, baseUrl));
    }

    /// <summary>The header of a stored object, with large values left in place as references (offsets into the stored bytes).</summary>
    internal static Task<DicomDataset> ReadHeaderAsync(RetrieveService retrieve, StoredInstance instance, CancellationToken cancellationToken) =>
        SeriesMetadataDocuments.ReadHeaderAsync(retrieve, instance, cancellationToken);

    /// <summary>
    /// A strong validator of one representation: the media type (JSON and XML are different bodies), the base URL the
    /// BulkDataURIs use, and what names the content (the stored objects' SHA-256, or the series document versions).
    /// </summary>
    private static string ETagOf(bool xml, string baseUrl, IEnumerable<string> content)
    {
        var text = new StringBuilder(xml ? "xml|" : "json|").Append(baseUrl);
        foreach (var item in content)
        {
            text.Append('|').Append(item);
        }

        return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32]}\"";
    }

    private static async Task BulkDataAsync(HttpContext context, RetrieveService retrieve, string study, string series, string sop, long offset, long length)
    {
        var cancellationToken = context.RequestAborted;
        var instance = (await RetrieveEndpoints.FindAsync(retrieve, study, series, sop, cancellationToken).ConfigureAwait(false))[0];
        if (offset < 0 || length < 0 || offset + length > instance.SizeBytes)
        {
            throw new DicomWebException(DicomWebProblem.NotFound($"Instance {sop} holds no bulk data at {offset}-{length}.") with { Uid = sop });
        }

        // RFC 9110 14.2: one byte range of the value is honoured with 206; several ranges are served as the whole value.
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        var (start, count) = (0L, length);
        if (ByteRange(context.Request.Headers.Range.ToString(), length) is { } range)
        {
            if (range.Count <= 0)
            {
                response.Headers.ContentRange = $"bytes */{length}";
                throw new DicomWebException(new DicomWebProblem(StatusCodes.Status416RangeNotSatisfiable,
                    $"The range \"{context.Request.Headers.Range}\" lies outside the {length} bytes of this value.") { Uid = sop });
            }

            (start, count) = range;
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{start + count - 1}/{length}";
        }

        await using var stream = await RetrieveEndpoints.OpenAsync(retrieve, instance, BlobRange.From(offset + start, count), cancellationToken).ConfigureAwait(false);
        response.ContentType = DicomMediaTypes.OctetStream;
        response.ContentLength = count;
        response.Headers.ETag = instance.ETag;
        await stream.CopyToAsync(response.Body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A single "bytes=first-last", "bytes=first-" or "bytes=-suffix" range (RFC 9110 14.1.2) within a value of
    /// <paramref name="length"/> bytes; null when absent, malformed or a list (then the whole value is sent); a
    /// non-positive count when it cannot be satisfied.
    /// </summary>
    internal static (long Start, long Count)? ByteRange(string header, long length)
    {
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            return long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) && suffix > 0
                ? (Math.Max(0, length - suffix), Math.Min(suffix, length))
                : null;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        var end = length - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return null;
            }

            end = Math.Min(end, length - 1);
        }

        return start >= length ? (start, 0) : (start, end - start + 1);
    }
}
