using System.Buffers;
using System.Text;

namespace Pacs.Http.Multipart;

/// <summary>The framing between bodies: preamble, delimiter lines and header blocks (RFC 2046 5.1.1).</summary>
public sealed partial class MultipartRelatedReader
{
    /// <summary>Spaces and tabs allowed after a boundary before its line break; more is not padding but garbage.</summary>
    private const int MaxTransportPaddingBytes = 256;

    /// <summary>Skips the preamble up to and including the first "--boundary", which may open the body without a CRLF.</summary>
    private async ValueTask SkipPreambleAsync(CancellationToken cancellationToken)
    {
        var dashBoundary = _delimiter.AsMemory(2); // "--" boundary
        long skipped = 0;
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (skipped == 0)
            {
                if (buffer.Length < dashBoundary.Length && !result.IsCompleted)
                {
                    _pipe.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (StartsWith(buffer, dashBoundary.Span))
                {
                    _pipe.AdvanceTo(buffer.GetPosition(dashBoundary.Length));
                    return;
                }
            }

            var found = MultipartSearch.IndexOf(buffer, _delimiter);
            if (found >= 0)
            {
                CheckPreamble(skipped + found);
                _pipe.AdvanceTo(buffer.GetPosition(found + _delimiter.Length));
                return;
            }

            // Keep the tail that could be the start of a delimiter split across reads.
            var drop = Math.Max(0, buffer.Length - (_delimiter.Length - 1));
            skipped += drop;
            if (result.IsCompleted)
            {
                throw new MultipartException($"The multipart body has no delimiter --{Boundary}; is the boundary parameter right?");
            }

            CheckPreamble(skipped);
            _pipe.AdvanceTo(buffer.GetPosition(drop), buffer.End);
        }
    }

    private void CheckPreamble(long skipped)
    {
        if (skipped > _options.MaxPreambleBytes)
        {
            throw new MultipartException(
                $"No delimiter --{Boundary} in the first {_options.MaxPreambleBytes} bytes of the multipart body; is the boundary parameter right?");
        }
    }

    /// <summary>Consumes the CRLF "--boundary" a body stream stopped in front of.</summary>
    private async ValueTask ConsumeDelimiterAsync(CancellationToken cancellationToken)
    {
        var result = await _pipe.ReadAtLeastAsync(_delimiter.Length, cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (!StartsWith(buffer, _delimiter))
        {
            // The body stream only ends in front of a whole delimiter, so this is a reader defect, not bad input.
            throw new InvalidOperationException("The multipart reader lost its place: no delimiter where the previous body ended.");
        }

        _pipe.AdvanceTo(buffer.GetPosition(_delimiter.Length));
    }

    /// <summary>
    /// After "--boundary": "--" closes the message (true); transport padding and a line break open a part (false).
    /// </summary>
    private async ValueTask<bool> ReadBoundaryTailAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var tail = ParseBoundaryTail(buffer, result.IsCompleted, out var consumed);
            switch (tail)
            {
                case BoundaryTail.Close:
                case BoundaryTail.Open:
                    _pipe.AdvanceTo(consumed);
                    return tail == BoundaryTail.Close;
                case BoundaryTail.NeedMore when !result.IsCompleted:
                    _pipe.AdvanceTo(buffer.Start, buffer.End);
                    break;
                case BoundaryTail.NeedMore:
                    throw Truncated(_partCount, "after a delimiter, at the start");
                default:
                    var at = buffer.Slice(consumed);
                    var found = at.IsEmpty ? "the end" : $"byte 0x{at.FirstSpan[0]:X2}";
                    throw new MultipartException(
                        $"After delimiter --{Boundary} came {found}; RFC 2046 5.1.1 allows only '--', spaces or tabs, and a line break there.");
            }
        }
    }

    private enum BoundaryTail
    {
        Open,
        Close,
        NeedMore,
        Invalid,
    }

    private static BoundaryTail ParseBoundaryTail(ReadOnlySequence<byte> buffer, bool completed, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        consumed = buffer.Start;
        if (reader.Remaining < 2 && !completed)
        {
            return BoundaryTail.NeedMore;
        }

        if (reader.IsNext(Dashes, advancePast: true))
        {
            consumed = reader.Position;
            return BoundaryTail.Close;
        }

        var padding = reader.AdvancePastAny((byte)' ', (byte)'\t');
        if (padding > MaxTransportPaddingBytes)
        {
            consumed = reader.Position;
            return BoundaryTail.Invalid;
        }

        if (reader.End || (reader.Remaining == 1 && reader.IsNext((byte)'\r') && !completed))
        {
            return BoundaryTail.NeedMore;
        }

        if (reader.IsNext("\r\n"u8, advancePast: true) || reader.IsNext((byte)'\n', advancePast: true))
        {
            consumed = reader.Position;
            return BoundaryTail.Open;
        }

        consumed = reader.Position;
        return BoundaryTail.Invalid;
    }

    /// <summary>
    /// Reads the header block up to and including its blank line. Null means the part is empty: the next
    /// delimiter follows the boundary line at once, so there is neither a header nor a body.
    /// </summary>
    private async ValueTask<List<KeyValuePair<string, string>>?> ReadHeadersAsync(int partIndex, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>();
        var headerBytes = 0;
        var first = true;
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (first)
            {
                if (buffer.Length < _delimiter.Length && !result.IsCompleted)
                {
                    _pipe.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                first = false;
                if (StartsWith(buffer, _delimiter))
                {
                    _pipe.AdvanceTo(buffer.Start);
                    return null;
                }
            }

            var done = ParseHeaderLines(buffer, headers, ref headerBytes, partIndex, out var consumed);
            if (done)
            {
                _pipe.AdvanceTo(consumed);
                return headers;
            }

            if (result.IsCompleted)
            {
                throw Truncated(partIndex, "inside the headers");
            }

            _pipe.AdvanceTo(consumed, buffer.End);
        }
    }

    /// <summary>Parses whole lines; true once the blank line that ends the block is consumed.</summary>
    private bool ParseHeaderLines(
        ReadOnlySequence<byte> buffer, List<KeyValuePair<string, string>> headers, ref int headerBytes, int partIndex, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryReadTo(out ReadOnlySequence<byte> rawLine, (byte)'\n'))
        {
            headerBytes += (int)rawLine.Length + 1;
            CheckHeaderSize(headerBytes, partIndex);
            var line = Encoding.Latin1.GetString(rawLine).TrimEnd('\r');
            if (line.Length == 0)
            {
                consumed = reader.Position;
                return true;
            }

            AddHeaderLine(headers, line, partIndex);
        }

        CheckHeaderSize(headerBytes + (int)Math.Min(reader.Remaining, int.MaxValue / 2), partIndex);
        consumed = reader.Position;
        return false;
    }

    private void CheckHeaderSize(int bytes, int partIndex)
    {
        if (bytes > _options.MaxHeaderBytes)
        {
            throw new MultipartException(
                $"The headers of part {partIndex + 1} exceed {_options.MaxHeaderBytes} bytes without a blank line; is the part missing the line that ends its headers?");
        }
    }

    private static void AddHeaderLine(List<KeyValuePair<string, string>> headers, string line, int partIndex)
    {
        if (line[0] is ' ' or '\t')
        {
            // RFC 5322 2.2.3 folding (obsolete but harmless): the line continues the previous field.
            if (headers.Count == 0)
            {
                throw new MultipartException($"Part {partIndex + 1} starts its headers with a continuation line: '{line.Trim()}'.");
            }

            var (name, value) = headers[^1];
            headers[^1] = new(name, $"{value} {line.Trim()}");
            return;
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || line.AsSpan(0, colon).ContainsAny(" \t"))
        {
            throw new MultipartException($"Part {partIndex + 1} has a header line that is not 'Name: value': '{line}'.");
        }

        headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
    }

    private static bool StartsWith(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        if (buffer.Length < prefix.Length)
        {
            return false;
        }

        var reader = new SequenceReader<byte>(buffer);
        return reader.IsNext(prefix);
    }
}
