using Pacs.Dicom;
using Pacs.Http;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Negotiation;

/// <summary>
/// Chooses the media type and transfer syntax of a response from what the client accepts and what the server has,
/// following PS3.18 8.7.8.1:
/// <list type="number">
/// <item>the highest-priority supported media type in the accept query parameter;</item>
/// <item>else the highest-priority supported media type in the Accept header;</item>
/// <item>else the resource's default media type, if a wildcard in the Accept header covers it;</item>
/// <item>else 406, with the reasons.</item>
/// </list>
/// Priority is the q value, then the order written (RFC 9110 12.4.2). "Supported" includes being able to deliver the
/// transfer syntax asked for: as stored, or by a conversion <see cref="RepresentationSource.CanTranscode"/> allows.
/// For multipart responses whose parts may differ (a study of mixed transfer syntaxes) negotiate once per part with
/// that part's stored syntax (PS3.18 8.7.8.1: "determined independently for each message part").
/// </summary>
public static partial class ContentNegotiator
{
    public static NegotiationResult Negotiate(DicomWebResourceKind kind, AcceptableMediaTypes acceptable, RepresentationSource? source = null)
    {
        ArgumentNullException.ThrowIfNull(acceptable);
        source ??= RepresentationSource.None;
        if (acceptable.Problem is { } problem)
        {
            return NegotiationResult.Refuse(problem);
        }

        if (kind is DicomWebResourceKind.Instances && source.StoredTransferSyntaxUid is null)
        {
            throw new ArgumentException("Negotiating a DICOM instance needs its stored transfer syntax.", nameof(source));
        }

        var reasons = new List<string>();
        foreach (var list in new[] { acceptable.QueryParameter, acceptable.Header })
        {
            foreach (var range in list.Where(r => r.Quality > 0 && !AcceptableMediaTypes.IsWildcard(r)).OrderByDescending(r => r.Quality).ThenBy(r => r.Position))
            {
                if (Candidate.From(range, reasons) is { } candidate && Select(kind, candidate, source, reasons) is { } selected)
                {
                    return NegotiationResult.Accept(selected);
                }
            }
        }

        if (Default(kind, source, reasons) is { } fallback && WildcardCovers(acceptable.Header, fallback))
        {
            return NegotiationResult.Accept(fallback);
        }

        return NegotiationResult.Refuse(NotAcceptable(kind, acceptable, source, reasons));
    }

    /// <summary>An explicit acceptable media type, with the part type and transfer syntax taken apart.</summary>
    /// <param name="PartType">The media type of the representation (the type parameter of multipart/related), lower-case essence.</param>
    /// <param name="IsMultipart">Asked for as multipart/related.</param>
    /// <param name="TransferSyntax">The transfer-syntax parameter: a UID, "*" or null.</param>
    private sealed record Candidate(string PartType, bool IsMultipart, string? TransferSyntax)
    {
        public static Candidate? From(MediaRange range, List<string> reasons)
        {
            var mediaType = range.MediaType;
            var partType = mediaType;
            var multipart = false;
            if (mediaType.Is(DicomMediaTypes.MultipartRelated))
            {
                // The type parameter may carry the part's own parameters: type="application/dicom; transfer-syntax=…".
                if (!MediaType.TryParse(mediaType.GetParameter("type"), out partType))
                {
                    reasons.Add($"'{range}' has a type parameter that is not a media type");
                    return null;
                }

                multipart = true;
            }

            var transferSyntax = mediaType.GetParameter("transfer-syntax") ?? (multipart ? partType.GetParameter("transfer-syntax") : null);
            if (transferSyntax is not null && !DicomMediaTypes.IsTransferSyntaxValue(transferSyntax))
            {
                reasons.Add($"'{range}' has a transfer-syntax that is neither a UID nor '*' (PS3.18 8.7.3.5.2)");
                return null;
            }

            return new Candidate(partType.Essence, multipart, transferSyntax);
        }

        public bool Is(string essence) => string.Equals(PartType, essence, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// PS3.18 8.7.7: "*/*" matches the default media type of the resource; "type/*" and multipart/related without a
    /// concrete type match it when their type agrees. A q=0 entry naming the default excludes it (RFC 9110 12.5.1).
    /// </summary>
    private static bool WildcardCovers(IReadOnlyList<MediaRange> header, NegotiatedRepresentation fallback)
    {
        var partType = MediaType.Parse(fallback.MediaType);
        var excluded = header.Any(r => r.Quality == 0 && !AcceptableMediaTypes.IsWildcard(r) && Names(r.MediaType, fallback));
        return !excluded && header.Any(r => r.Quality > 0 && AcceptableMediaTypes.IsWildcard(r) && Covers(r.MediaType, fallback, partType));

        static bool Names(MediaType mediaType, NegotiatedRepresentation fallback) =>
            fallback.IsMultipart
                ? mediaType.Is(DicomMediaTypes.MultipartRelated) && MediaType.TryParse(mediaType.GetParameter("type"), out var type) && type.Is(fallback.MediaType)
                : mediaType.Is(fallback.MediaType);

        static bool Covers(MediaType range, NegotiatedRepresentation fallback, MediaType partType)
        {
            if (range.Type == "*")
            {
                return true;
            }

            if (range.Subtype == "*")
            {
                return range.Type == partType.Type || (fallback.IsMultipart && range.Type == "multipart");
            }

            // multipart/related whose type is absent or a wildcard
            if (!fallback.IsMultipart)
            {
                return false;
            }

            var type = range.GetParameter("type");
            return type is null || (MediaType.TryParse(type, out var part) && (part.Type == "*" || part.Type == partType.Type));
        }
    }

    private static DicomWebProblem NotAcceptable(DicomWebResourceKind kind, AcceptableMediaTypes acceptable, RepresentationSource source, List<string> reasons)
    {
        var asked = acceptable.QueryParameter.Count > 0 || acceptable.HeaderPresent ? acceptable.ToString() : "no Accept header";
        var why = reasons.Count > 0 ? $" {string.Join("; ", reasons.Distinct())}." : string.Empty;
        if (!acceptable.HeaderPresent && acceptable.Header.Count == 0 && acceptable.QueryParameter.Count == 0)
        {
            why = " The request has no Accept header (PS3.18 8.7.7 requires one).";
        }

        return DicomWebProblem.NotAcceptable(
            $"No acceptable representation of {Describe(kind)} ({asked}).{why} Available: {string.Join(", ", Available(kind, source))}.");
    }

    private static string Describe(DicomWebResourceKind kind) => kind switch
    {
        DicomWebResourceKind.Instances => "DICOM instances",
        DicomWebResourceKind.Metadata => "metadata",
        DicomWebResourceKind.Frames => "frames",
        DicomWebResourceKind.BulkData => "bulk data",
        DicomWebResourceKind.Rendered => "the rendered image",
        DicomWebResourceKind.Thumbnail => "the thumbnail",
        DicomWebResourceKind.SearchResults => "search results",
        DicomWebResourceKind.StoreResponse => "the store response",
        _ => kind.ToString(),
    };

    /// <summary>"JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50)"; "any transfer syntax" for "*".</summary>
    internal static string DescribeTransferSyntax(string uid)
    {
        if (uid == DicomMediaTypes.AnyTransferSyntax)
        {
            return "any transfer syntax";
        }

        var name = DicomTransferSyntax.Lookup(uid).Name;
        return name == uid ? uid : $"{name} ({uid})";
    }
}
