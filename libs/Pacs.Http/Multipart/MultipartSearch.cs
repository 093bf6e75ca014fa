using System.Buffers;

namespace Pacs.Http.Multipart;

/// <summary>Finds a byte string in a <see cref="ReadOnlySequence{T}"/>, also where it spans segments.</summary>
internal static class MultipartSearch
{
    /// <summary>Offset of the first occurrence of <paramref name="value"/>, or -1.</summary>
    public static long IndexOf(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> value)
    {
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan.IndexOf(value);
        }

        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, value, advancePastDelimiter: false) ? reader.Consumed : -1;
    }
}
