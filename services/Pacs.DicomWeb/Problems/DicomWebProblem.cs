using Microsoft.AspNetCore.WebUtilities;
using Pacs.Dicom;

namespace Pacs.DicomWeb.Problems;

/// <summary>
/// An error answer as an RFC 9457 problem document (application/problem+json): the HTTP status, the reason in
/// words, and — where the error is about one attribute or object — its tag, keyword and UID, so that a person
/// can act on it (PS3.18 8.5: a failure response should carry a Status Report saying what went wrong).
/// </summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">The reason, for people: what was wrong and, where possible, what would be accepted.</param>
public sealed record DicomWebProblem(int Status, string Detail)
{
    /// <summary>RFC 9457 3.1.1: "about:blank" says the status code is the whole classification.</summary>
    public string Type { get; init; } = "about:blank";

    /// <summary>RFC 9457 3.1.3: for about:blank, the status code's reason phrase.</summary>
    public string Title { get; init; } = ReasonPhrases.GetReasonPhrase(Status);

    /// <summary>The request path the problem is about (RFC 9457 3.1.5), when known.</summary>
    public string? Instance { get; init; }

    /// <summary>The attribute concerned, as ggggeeee (the DICOM JSON spelling, PS3.18 F.2.1).</summary>
    public string? Tag { get; init; }

    /// <summary>The PS3.6 keyword of <see cref="Tag"/>, when it has one.</summary>
    public string? Keyword { get; init; }

    /// <summary>The Study, Series or SOP Instance UID concerned.</summary>
    public string? Uid { get; init; }

    /// <summary>Names the attribute: sets <see cref="Tag"/> and, from the dictionary, <see cref="Keyword"/>.</summary>
    public DicomWebProblem WithTag(DicomTag tag) => this with
    {
        Tag = tag.ToHexString(),
        Keyword = DicomDictionary.Lookup(tag)?.Keyword is { Length: > 0 } keyword ? keyword : null,
    };

    public static DicomWebProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, detail);

    public static DicomWebProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);

    public static DicomWebProblem NotAcceptable(string detail) => new(StatusCodes.Status406NotAcceptable, detail);

    public static DicomWebProblem Conflict(string detail) => new(StatusCodes.Status409Conflict, detail);

    public static DicomWebProblem UnsupportedMediaType(string detail) => new(StatusCodes.Status415UnsupportedMediaType, detail);

    public override string ToString() => $"{Status} {Title}: {Detail}";
}
