using System.Buffers;
using System.Globalization;
using System.Text;
using Pacs.Http;

namespace Pacs.Http.Multipart;

/// <summary>
/// Writes a multipart/related body (RFC 2387, RFC 2046 5.1.1) part by part to a stream, for WADO-RS instances,
/// frames, bulk data and multipart XML (PS3.18 8.6.1.2). Each part's header is written, then its body goes straight
/// to the output: parts are never buffered whole.
/// </summary>
/// <remarks>
/// Layout: <c>--boundary CRLF headers CRLF body</c> for the first part, <c>CRLF --boundary CRLF …</c> for each
/// next one, and <c>CRLF --boundary-- CRLF</c> at the end. Header names are spelled as PS3.18 prints them
/// ("Content-Type:"), since some clients match them case-sensitively.
/// </remarks>
public sealed class MultipartRelatedWriter
{
    private readonly Stream _output;
    private bool _completed;

    public MultipartRelatedWriter(Stream output, string? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Boundary = boundary ?? MultipartBoundary.Create();
        if (Boundary.Length is 0 or > 70 || !Boundary.All(MediaTypeTokenizer.IsTokenChar))
        {
            throw new ArgumentException($"Boundary '{Boundary}' must be 1 to 70 token characters (RFC 2046 5.1.1, RFC 9110 5.6.2).", nameof(boundary));
        }
    }

    public string Boundary { get; }

    /// <summary>Parts started so far.</summary>
    public int PartCount { get; private set; }

    /// <summary>Where a part's body goes after <see cref="BeginPartAsync"/>; write it here.</summary>
    public Stream Output => _output;

    /// <summary>
    /// The response Content-Type: <c>multipart/related; type="application/dicom"; boundary=…</c> (RFC 2387 3.1:
    /// type names the root part's media type, without its parameters).
    /// </summary>
    public string GetContentType(string partMediaType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(partMediaType);
        var essence = MediaType.TryParse(partMediaType, out var parsed) ? parsed.Essence : partMediaType;
        return $"multipart/related; type=\"{essence}\"; boundary={Boundary}";
    }

    /// <summary>Writes the delimiter and header block of the next part; the caller then writes the body to <see cref="Output"/>.</summary>
    public async ValueTask BeginPartAsync(MultipartPartHeaders headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ObjectDisposedException.ThrowIf(_completed, this);
        var text = new StringBuilder(256);
        text.Append(PartCount == 0 ? "--" : "\r\n--").Append(Boundary).Append("\r\n");
        AppendHeader(text, "Content-Type", headers.ContentType);
        if (headers.ContentLocation is not null)
        {
            AppendHeader(text, "Content-Location", headers.ContentLocation);
        }

        if (headers.ContentId is not null)
        {
            AppendHeader(text, "Content-ID", headers.ContentId);
        }

        if (headers.ContentLength is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(headers));
            AppendHeader(text, "Content-Length", length.ToString(CultureInfo.InvariantCulture));
        }

        text.Append("\r\n");
        PartCount++;
        await WriteAsciiAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One part whose body is copied from <paramref name="body"/> in chunks.</summary>
    public async Task WritePartAsync(MultipartPartHeaders headers, Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await BeginPartAsync(headers, cancellationToken).ConfigureAwait(false);
        await body.CopyToAsync(_output, 81920, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One part whose body is in memory (a JSON or XML document, a frame).</summary>
    public async Task WritePartAsync(MultipartPartHeaders headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        await BeginPartAsync(headers, cancellationToken).ConfigureAwait(false);
        await _output.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One part whose body a callback writes to the output stream.</summary>
    public async Task WritePartAsync(MultipartPartHeaders headers, Func<Stream, CancellationToken, Task> writeBody, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writeBody);
        await BeginPartAsync(headers, cancellationToken).ConfigureAwait(false);
        await writeBody(_output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the close delimiter and flushes. No part may follow.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        await WriteAsciiAsync($"{(PartCount == 0 ? "--" : "\r\n--")}{Boundary}--\r\n", cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AppendHeader(StringBuilder text, string name, string value)
    {
        // A CR or LF in a value would end the header early and let the value inject headers or a body.
        if (value.AsSpan().ContainsAny('\r', '\n') || value.Any(c => c > '~'))
        {
            throw new ArgumentException($"The {name} value '{value}' must be printable ASCII on one line.", nameof(value));
        }

        text.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    private async ValueTask WriteAsciiAsync(string text, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(text.Length);
        try
        {
            var length = Encoding.ASCII.GetBytes(text, buffer);
            await _output.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
