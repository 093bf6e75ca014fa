namespace Pacs.DicomWeb.Negotiation;

/// <summary>Which explicit media types each resource kind supports, and its default (PS3.18 8.7.3, 8.7.4, 10.4.4).</summary>
public static partial class ContentNegotiator
{
    private static NegotiatedRepresentation? Select(DicomWebResourceKind kind, Candidate candidate, RepresentationSource source, List<string> reasons)
    {
        // PS3.18 10.4.4: single-part media types only for a target that is one item.
        if (!candidate.IsMultipart && source.SingleItem is false && kind is DicomWebResourceKind.Instances or DicomWebResourceKind.Frames or DicomWebResourceKind.BulkData
            && (candidate.Is(DicomMediaTypes.Dicom) || BulkDataMediaTypes.IsBulkDataMediaType(candidate.PartType)))
        {
            reasons.Add($"{candidate.PartType} without multipart/related answers a single item only (PS3.18 10.4.4)");
            return null;
        }

        return kind switch
        {
            DicomWebResourceKind.Instances => candidate.Is(DicomMediaTypes.Dicom) ? SelectInstance(candidate, source, reasons) : null,
            DicomWebResourceKind.Frames or DicomWebResourceKind.BulkData =>
                BulkDataMediaTypes.IsBulkDataMediaType(candidate.PartType) ? SelectBulkData(candidate, source, reasons) : null,
            DicomWebResourceKind.Metadata or DicomWebResourceKind.SearchResults => SelectModel(candidate, xmlAsSinglePart: source.SingleItem),
            DicomWebResourceKind.StoreResponse => candidate.IsMultipart ? null : SelectModel(candidate, xmlAsSinglePart: true),
            DicomWebResourceKind.Rendered or DicomWebResourceKind.Thumbnail =>
                !candidate.IsMultipart && source.RenderedMediaTypes.Contains(candidate.PartType, StringComparer.OrdinalIgnoreCase)
                    ? new NegotiatedRepresentation(candidate.PartType, IsMultipart: false)
                    : null,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>PS3.18 8.7.3.5.2: the transfer syntax asked for (Explicit VR Little Endian when none), "*" meaning as stored.</summary>
    private static NegotiatedRepresentation? SelectInstance(Candidate candidate, RepresentationSource source, List<string> reasons)
    {
        var stored = source.StoredTransferSyntaxUid!;
        var wanted = candidate.TransferSyntax ?? DicomMediaTypes.ExplicitVRLittleEndian;
        return wanted == DicomMediaTypes.AnyTransferSyntax
            ? new NegotiatedRepresentation(DicomMediaTypes.Dicom, candidate.IsMultipart, stored)
            : Convert(DicomMediaTypes.Dicom, candidate.IsMultipart, stored, wanted, source, reasons);
    }

    /// <summary>
    /// Frames and bulk data (PS3.18 8.7.3.3). application/octet-stream with "*" sends what is stored, labelled with its
    /// transfer syntax; a compressed media type with "*" sends what is stored if it is of that media type. A compressed
    /// media type without a transfer syntax means its default (Table 8.7.3-5); when the server cannot make that but
    /// holds the frames in another syntax of the same media type, it sends those as stored rather than refuse: the
    /// client gets the media type it asked for, and the part's transfer-syntax says exactly which.
    /// </summary>
    private static NegotiatedRepresentation? SelectBulkData(Candidate candidate, RepresentationSource source, List<string> reasons)
    {
        var stored = BulkDataMediaTypes.FrameTransferSyntax(source.StoredTransferSyntaxUid);
        var storedMediaType = BulkDataMediaTypes.MediaTypeOf(stored);
        var partType = candidate.Is(DicomMediaTypes.OctetStream) ? DicomMediaTypes.OctetStream : BulkDataMediaTypes.MediaTypes.First(candidate.Is);
        var wanted = candidate.TransferSyntax;

        if (wanted == DicomMediaTypes.AnyTransferSyntax)
        {
            return partType == DicomMediaTypes.OctetStream || string.Equals(partType, storedMediaType, StringComparison.OrdinalIgnoreCase)
                ? new NegotiatedRepresentation(partType, candidate.IsMultipart, stored)
                : Convert(partType, candidate.IsMultipart, stored, BulkDataMediaTypes.DefaultTransferSyntax(partType)!, source, reasons);
        }

        if (wanted is not null)
        {
            if (partType != DicomMediaTypes.OctetStream && !string.Equals(BulkDataMediaTypes.MediaTypeOf(wanted), partType, StringComparison.OrdinalIgnoreCase))
            {
                reasons.Add($"{DescribeTransferSyntax(wanted)} is not sent as {partType} (PS3.18 Table 8.7.3-5)");
                return null;
            }

            return Convert(partType, candidate.IsMultipart, stored, wanted, source, reasons);
        }

        var defaultSyntax = BulkDataMediaTypes.DefaultTransferSyntax(partType)!;
        var sameCompression = partType != DicomMediaTypes.OctetStream && string.Equals(partType, storedMediaType, StringComparison.OrdinalIgnoreCase);
        return sameCompression && defaultSyntax != stored && !source.Transcodes(stored, defaultSyntax)
            ? new NegotiatedRepresentation(partType, candidate.IsMultipart, stored)
            : Convert(partType, candidate.IsMultipart, stored, defaultSyntax, source, reasons);
    }

    /// <summary>DICOM JSON (also for plain application/json) or DICOM XML (PS3.18 8.7.3.2, F, 10.4.4).</summary>
    private static NegotiatedRepresentation? SelectModel(Candidate candidate, bool xmlAsSinglePart)
    {
        if (!candidate.IsMultipart && (candidate.Is(DicomMediaTypes.DicomJson) || candidate.Is(DicomMediaTypes.Json)))
        {
            return new NegotiatedRepresentation(candidate.PartType, IsMultipart: false);
        }

        if (candidate.Is(DicomMediaTypes.DicomXml) && (candidate.IsMultipart || xmlAsSinglePart))
        {
            return new NegotiatedRepresentation(DicomMediaTypes.DicomXml, candidate.IsMultipart);
        }

        return null;
    }

    private static NegotiatedRepresentation? Convert(string mediaType, bool multipart, string stored, string wanted, RepresentationSource source, List<string> reasons)
    {
        if (wanted == stored)
        {
            return new NegotiatedRepresentation(mediaType, multipart, stored);
        }

        if (source.Transcodes(stored, wanted))
        {
            return new NegotiatedRepresentation(mediaType, multipart, wanted, IsTranscoded: true);
        }

        reasons.Add($"{DescribeTransferSyntax(wanted)} was asked for, but the data is stored as {DescribeTransferSyntax(stored)} and this server cannot convert it");
        return null;
    }

    /// <summary>The resource's default representation (PS3.18 8.7.3, 8.7.4), if this source can deliver it.</summary>
    private static NegotiatedRepresentation? Default(DicomWebResourceKind kind, RepresentationSource source, List<string> reasons)
    {
        switch (kind)
        {
            case DicomWebResourceKind.Instances:
                return Convert(DicomMediaTypes.Dicom, multipart: true, source.StoredTransferSyntaxUid!, DicomMediaTypes.ExplicitVRLittleEndian, source, reasons);
            case DicomWebResourceKind.Frames or DicomWebResourceKind.BulkData:
                // PS3.18 gives each media type a default syntax but no single default for all bulk data; ours is
                // the data as stored, which never loses information and costs no conversion.
                var stored = BulkDataMediaTypes.FrameTransferSyntax(source.StoredTransferSyntaxUid);
                return new NegotiatedRepresentation(BulkDataMediaTypes.MediaTypeOf(stored), IsMultipart: true, stored);
            case DicomWebResourceKind.Rendered or DicomWebResourceKind.Thumbnail:
                var rendered = source.RenderedMediaTypes.FirstOrDefault(m => string.Equals(m, DicomMediaTypes.Jpeg, StringComparison.OrdinalIgnoreCase))
                    ?? source.RenderedMediaTypes.FirstOrDefault();
                return rendered is null ? null : new NegotiatedRepresentation(rendered, IsMultipart: false);
            default:
                return new NegotiatedRepresentation(DicomMediaTypes.DicomJson, IsMultipart: false);
        }
    }

    /// <summary>What this resource could be sent as, for the 406 explanation.</summary>
    private static IEnumerable<string> Available(DicomWebResourceKind kind, RepresentationSource source)
    {
        switch (kind)
        {
            case DicomWebResourceKind.Instances:
                yield return $"multipart/related; type=\"application/dicom\"; transfer-syntax={source.StoredTransferSyntaxUid} (or transfer-syntax=*)";
                break;
            case DicomWebResourceKind.Frames or DicomWebResourceKind.BulkData:
                var stored = BulkDataMediaTypes.FrameTransferSyntax(source.StoredTransferSyntaxUid);
                yield return $"multipart/related; type=\"{BulkDataMediaTypes.MediaTypeOf(stored)}\"; transfer-syntax={stored}";
                yield return "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*";
                break;
            case DicomWebResourceKind.Rendered or DicomWebResourceKind.Thumbnail:
                foreach (var mediaType in source.RenderedMediaTypes)
                {
                    yield return mediaType;
                }

                break;
            case DicomWebResourceKind.StoreResponse:
                yield return DicomMediaTypes.DicomJson;
                yield return DicomMediaTypes.DicomXml;
                break;
            default:
                yield return DicomMediaTypes.DicomJson;
                yield return "multipart/related; type=\"application/dicom+xml\"";
                break;
        }
    }
}
