using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Pacs.Http;

namespace Pacs.Http.Multipart;

/// <summary>
/// Reads a multipart/related body (RFC 2387 over RFC 2046 5.1, as PS3.18 8.6.1.2 uses it for STOW-RS) one part at
/// a time, straight from a <see cref="PipeReader"/>: each part's headers are parsed and its body is a stream that ends
/// at the next delimiter. Nothing is buffered beyond one read and a delimiter's length, so a 4 GB part passes
/// through in bounded memory.
/// </summary>
/// <remarks>
/// Tolerated: a preamble before the first delimiter and an epilogue after the last (RFC 2046 5.1.1), spaces and tabs
/// after a boundary (transport padding), a first delimiter without the CRLF before it, a bare LF where a CRLF ends a
/// boundary or header line, and a message that ends right after the close delimiter without a final CRLF.
/// Refused with <see cref="MultipartException"/>: a missing boundary, a body that ends before the close delimiter, a
/// header block larger than <see cref="MultipartReaderOptions.MaxHeaderBytes"/>, a delimiter followed by anything
/// but padding, a line break or "--" (RFC 2046 5.1.1: the delimiter must not occur inside a part).
/// </remarks>
public sealed partial class MultipartRelatedReader : IAsyncDisposable
{
    private static ReadOnlySpan<byte> Dashes => "--"u8;

    private readonly PipeReader _pipe;
    private readonly bool _ownsPipe;
    private readonly byte[] _delimiter; // CRLF "--" boundary: RFC 2046 5.1.1 puts the CRLF before a delimiter in the delimiter
    private readonly MultipartReaderOptions _options;
    private State _state = State.BeforeFirstDelimiter;
    private MultipartBodyStream? _current;
    private int _partCount;

    public MultipartRelatedReader(PipeReader body, string boundary, MultipartReaderOptions? options = null)
        : this(body, ownsPipe: false, boundary, options)
    {
    }

    /// <summary>Reads from a stream (left open); the reader pulls from it only as parts are read.</summary>
    public MultipartRelatedReader(Stream body, string boundary, MultipartReaderOptions? options = null)
        : this(
            PipeReader.Create(body, new StreamPipeReaderOptions(
                bufferSize: (options ?? MultipartReaderOptions.Default).StreamBufferBytes,
                minimumReadSize: Math.Min(4096, (options ?? MultipartReaderOptions.Default).StreamBufferBytes),
                leaveOpen: true)),
            ownsPipe: true,
            boundary,
            options)
    {
    }

    private MultipartRelatedReader(PipeReader body, bool ownsPipe, string boundary, MultipartReaderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(body);
        ValidateBoundary(boundary);
        _pipe = body;
        _ownsPipe = ownsPipe;
        _options = options ?? MultipartReaderOptions.Default;
        Boundary = boundary;
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
    }

    private enum State
    {
        BeforeFirstDelimiter,
        InBody,
        AtDelimiter,
        Finished,
    }

    public string Boundary { get; }

    /// <summary>Reads the request body of <paramref name="request"/>, whose Content-Type must carry the boundary.</summary>
    public static MultipartRelatedReader FromRequest(HttpRequest request, MultipartReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new MultipartRelatedReader(request.BodyReader, GetBoundary(request.ContentType), options);
    }

    /// <summary>
    /// The boundary parameter of a multipart Content-Type (RFC 2046 5.1.1: required, 1 to 70 characters).
    /// Throws <see cref="MultipartException"/> naming what is missing.
    /// </summary>
    public static string GetBoundary(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            throw new MultipartException("The request has no Content-Type; a multipart/related body needs one with a boundary parameter.");
        }

        if (!MediaType.TryParse(contentType, out var mediaType))
        {
            throw new MultipartException($"The Content-Type '{contentType}' is not a media type.");
        }

        if (mediaType.Type != "multipart")
        {
            throw new MultipartException($"The Content-Type '{mediaType.Essence}' is not multipart; expected multipart/related with a boundary parameter.");
        }

        var boundary = mediaType.GetParameter("boundary");
        if (string.IsNullOrEmpty(boundary))
        {
            throw new MultipartException($"The Content-Type '{contentType}' has no boundary parameter (RFC 2046 5.1.1 requires one).");
        }

        ValidateBoundary(boundary);
        return boundary;
    }

    /// <summary>
    /// The next part, or null after the close delimiter. The previous part's body, if not read to its end, is
    /// skipped (read and discarded) first.
    /// </summary>
    public async ValueTask<MultipartPart?> ReadNextPartAsync(CancellationToken cancellationToken = default)
    {
        if (_state == State.InBody && _current is not null)
        {
            await _current.SkipToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        switch (_state)
        {
            case State.Finished:
                return null;
            case State.BeforeFirstDelimiter:
                await SkipPreambleAsync(cancellationToken).ConfigureAwait(false);
                break;
            case State.AtDelimiter:
                await ConsumeDelimiterAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"Multipart reader in state {_state}.");
        }

        if (await ReadBoundaryTailAsync(cancellationToken).ConfigureAwait(false))
        {
            _state = State.Finished;
            _current = null;
            return null; // RFC 2046 5.1.1: what follows the close delimiter is epilogue, to be ignored
        }

        var index = _partCount++;
        var headers = await ReadHeadersAsync(index, cancellationToken).ConfigureAwait(false);
        _current = new MultipartBodyStream(this, index);
        if (headers is null)
        {
            // An empty part: the delimiter follows the boundary line at once (no headers, no body).
            _current.MarkEnded();
            return new MultipartPart(index, [], _current);
        }

        _state = State.InBody;
        return new MultipartPart(index, headers, _current);
    }

    /// <summary>Reads every remaining part and discards it, leaving the reader after the close delimiter.</summary>
    public async ValueTask SkipToEndAsync(CancellationToken cancellationToken = default)
    {
        while (await ReadNextPartAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsPipe)
        {
            await _pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    internal PipeReader Pipe => _pipe;

    internal ReadOnlySpan<byte> Delimiter => _delimiter;

    internal void OnBodyEnded() => _state = State.AtDelimiter;

    internal MultipartException Truncated(int partIndex, string where) =>
        new($"The multipart body ended {where} of part {partIndex + 1}, before the close delimiter --{Boundary}--.");

    private static void ValidateBoundary(string boundary)
    {
        // RFC 2046 5.1.1: boundary := 0*69<bchars> bcharsnospace, bchars are printable ASCII.
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70 || boundary[^1] == ' ' || boundary.Any(c => c is < ' ' or > '~'))
        {
            throw new MultipartException($"The boundary '{boundary}' is not 1 to 70 printable ASCII characters ending in a non-space (RFC 2046 5.1.1).");
        }
    }
}
