using Microsoft.Net.Http.Headers;
using Pacs.DicomWeb.Http;
using Pacs.Http;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Negotiation;

/// <summary>
/// What the client will take, from the accept query parameter (PS3.18 8.3.3.1) and the Accept header field
/// (PS3.18 8.4.3, RFC 9110 12.5.1), each kept apart: the query parameter is consulted first (PS3.18 8.7.8.1).
/// </summary>
public sealed class AcceptableMediaTypes
{
    private static readonly MediaRange AnyMediaType = new(new MediaType("*", "*"), 1, 0);

    private AcceptableMediaTypes(
        IReadOnlyList<MediaRange> queryParameter, IReadOnlyList<MediaRange> header, bool headerPresent, IReadOnlyList<string> ignored, DicomWebProblem? problem)
    {
        QueryParameter = queryParameter;
        Header = header;
        HeaderPresent = headerPresent;
        Ignored = ignored;
        Problem = problem;
    }

    /// <summary>Media types from the accept query parameter, without wildcards (PS3.18 8.3.3.1 forbids them there).</summary>
    public IReadOnlyList<MediaRange> QueryParameter { get; }

    /// <summary>Media ranges from the Accept header; "*/*" when the header was absent and treated as such.</summary>
    public IReadOnlyList<MediaRange> Header { get; }

    /// <summary>Whether the request had an Accept header at all.</summary>
    public bool HeaderPresent { get; }

    /// <summary>Elements dropped as invalid, kept to explain a 406 (PS3.18 8.7.7: they shall be ignored).</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Set when the request is contradictory in itself, whatever the resource (PS3.18 8.3.3.1: 400).</summary>
    public DicomWebProblem? Problem { get; }

    /// <summary>Reads the accept query parameter (its name is case-sensitive, PS3.18 8.3.3.1) and every Accept header of a request.</summary>
    public static AcceptableMediaTypes FromRequest(HttpRequest request, bool treatMissingAcceptAsAny = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = QueryStringParser.Parse(request.QueryString.Value).Where(p => p.Key == "accept").Select(p => p.Value).ToList();
        var query = values.Count > 0 ? string.Join(',', values) : null;

        var header = request.Headers.Accept;
        return From(query, header.Count == 0 ? null : string.Join(',', header.AsEnumerable()), treatMissingAcceptAsAny);
    }

    /// <summary>
    /// Parses both sources. PS3.18 8.7.7 answers a request without Accept with 406; by default we follow RFC 9110
    /// 12.5.1 instead and read a missing header as "*/*", because common HTTP clients send none.
    /// </summary>
    public static AcceptableMediaTypes From(string? acceptQueryParameter, string? acceptHeader, bool treatMissingAcceptAsAny = true)
    {
        var fromQuery = MediaRange.ParseList(acceptQueryParameter, out var invalidInQuery);
        var ignored = invalidInQuery.ToList();
        var query = new List<MediaRange>();
        foreach (var range in fromQuery)
        {
            if (IsWildcard(range))
            {
                ignored.Add($"{range} (wildcards are not allowed in the accept query parameter, PS3.18 8.3.3.1)");
            }
            else
            {
                query.Add(range);
            }
        }

        var headerPresent = !string.IsNullOrWhiteSpace(acceptHeader);
        var header = MediaRange.ParseList(acceptHeader, out var invalidInHeader);
        ignored.AddRange(invalidInHeader);
        if (!headerPresent && treatMissingAcceptAsAny)
        {
            header = [AnyMediaType];
        }

        return new AcceptableMediaTypes(query, header, headerPresent, ignored, MixedQueryProblem(query));
    }

    /// <summary>"*/*", "image/*" or a multipart range whose part type is a wildcard.</summary>
    internal static bool IsWildcard(MediaRange range)
    {
        var mediaType = range.MediaType;
        if (mediaType.IsWildcard)
        {
            return true;
        }

        return mediaType.Is(DicomMediaTypes.MultipartRelated)
            && (mediaType.GetParameter("type") is not { } type || (MediaType.TryParse(type, out var part) && part.IsWildcard));
    }

    /// <summary>PS3.18 8.3.3.1: DICOM and non-DICOM media types together in the accept query parameter is a 400.</summary>
    private static DicomWebProblem? MixedQueryProblem(List<MediaRange> query)
    {
        var dicom = query.FirstOrDefault(r => IsDicomMediaType(r.MediaType));
        var rendered = query.FirstOrDefault(r => IsRenderedMediaType(r.MediaType));
        return dicom is not null && rendered is not null
            ? DicomWebProblem.BadRequest(
                $"The accept query parameter names both a DICOM media type ({dicom.MediaType.Essence}) and a rendered one ({rendered.MediaType.Essence}); PS3.18 8.3.3.1 allows one kind only.")
            : null;
    }

    private static bool IsDicomMediaType(MediaType mediaType) =>
        mediaType.Is(DicomMediaTypes.MultipartRelated) || mediaType.Is(DicomMediaTypes.Dicom) || mediaType.Is(DicomMediaTypes.DicomJson)
        || mediaType.Is(DicomMediaTypes.DicomXml) || mediaType.Is(DicomMediaTypes.OctetStream);

    private static bool IsRenderedMediaType(MediaType mediaType) =>
        mediaType.Type is "image" or "video" or "text" || mediaType.Is("application/pdf");

    public override string ToString() =>
        $"accept={string.Join(", ", QueryParameter)}; {HeaderNames.Accept}: {(HeaderPresent ? string.Join(", ", Header) : "(none)")}";
}
