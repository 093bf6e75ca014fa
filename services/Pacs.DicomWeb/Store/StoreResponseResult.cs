using Pacs.Dicom;
using Pacs.DicomWeb.Negotiation;

namespace Pacs.DicomWeb.Store;

/// <summary>
/// The STOW-RS response (PS3.18 10.5.3) as a minimal-API result: the status the builder decides, the body in the
/// negotiated model, DICOM JSON (PS3.18 F) with <see cref="DicomJsonWriter"/> or DICOM XML (PS3.19 A.1) with
/// <see cref="DicomXmlWriter"/>.
/// </summary>
public sealed class StoreResponseResult : IResult, IStatusCodeHttpResult
{
    private readonly StoreResponseBuilder _builder;
    private readonly NegotiatedRepresentation _representation;

    /// <param name="representation">From <see cref="ContentNegotiator"/> for <see cref="DicomWebResourceKind.StoreResponse"/>.</param>
    public StoreResponseResult(StoreResponseBuilder builder, NegotiatedRepresentation representation)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(representation);
        _builder = builder;
        _representation = representation;
    }

    private const int MaxWarningHeaders = 50;
    private const int MaxWarningLength = 400;

    public int? StatusCode => _builder.StatusCode;

    /// <summary>A quoted-string's content: printable ASCII, no quote or backslash (header values must not carry others).</summary>
    private static string Sanitize(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?';
            }
        });

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = _builder.StatusCode;

        // The Failed SOP Sequence carries only a code; the reason for people goes in Warning headers (RFC 9111 5.5,
        // code 299 as PS3.18 uses it), a bounded number of bounded length.
        foreach (var description in _builder.FailureDescriptions.Take(MaxWarningHeaders))
        {
            var text = description.Length > MaxWarningLength ? description[..MaxWarningLength] + "..." : description;
            httpContext.Response.Headers.Append("Warning", $"299 pacs \"{Sanitize(text)}\"");
        }

        return WriteDatasetAsync(httpContext.Response, _builder.Build(), _representation, httpContext.RequestAborted);
    }

    /// <summary>Sets the Content-Type and writes <paramref name="dataset"/> as one JSON object or one XML document.</summary>
    public static async Task WriteDatasetAsync(HttpResponse response, DicomDataset dataset, NegotiatedRepresentation representation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(representation);
        if (representation.IsMultipart)
        {
            throw new ArgumentException($"A store response is one document, not {representation}.", nameof(representation));
        }

        response.ContentType = representation.GetContentType();
        switch (representation.MediaType)
        {
            case DicomMediaTypes.DicomJson or DicomMediaTypes.Json:
                // Built whole first (a response data set is small: one item per instance), so that it goes with a
                // Content-Length, and the response completed with it: Kestrel sends body and end in one flush. A flush
                // of the chunked body and then the end chunk cost two hand-offs to Kestrel's output queue and two sends.
                var json = new System.Buffers.ArrayBufferWriter<byte>(1024);
                new DicomJsonWriter().Write(json, dataset);
                response.ContentLength = json.WrittenCount;
                System.Buffers.BuffersExtensions.Write(response.BodyWriter, json.WrittenSpan);
                await response.CompleteAsync().ConfigureAwait(false);
                break;
            case DicomMediaTypes.DicomXml:
                // DicomXmlWriter writes to a Stream synchronously; a response data set is small, so buffer it.
                using (var buffer = new MemoryStream())
                {
                    new DicomXmlWriter().Write(buffer, dataset);
                    response.ContentLength = buffer.Length;
                    buffer.Position = 0;
                    await buffer.CopyToAsync(response.Body, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                throw new ArgumentException($"A store response is DICOM JSON or DICOM XML, not {representation.MediaType}.", nameof(representation));
        }
    }
}
