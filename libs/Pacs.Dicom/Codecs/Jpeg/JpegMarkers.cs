using System.Buffers.Binary;

namespace Pacs.Dicom.Codecs.Jpeg;

/// <summary>
/// The marker-segment layer JPEG (T.81 B.1.1) and JPEG-LS (T.87 C.1) streams share: finding the next marker past
/// fill bytes and entropy-coded data, and cutting out a marker segment by its length. The two families differ only
/// in which byte after 0xFF can start a marker (<paramref name="minMarkerCode"/> of <see cref="Next"/>): in T.81
/// everything but 0x00 (a stuffed zero) and 0xFF (fill); in T.87 only 0x80 and above, because a 0xFF in a scan is
/// followed by a stuffed zero bit (T.87 A.1) and so by a byte below 0x80.
/// </summary>
internal static class JpegMarkers
{
    /// <summary>The lowest second byte of a T.81 marker (B.1.1.3).</summary>
    public const int T81MinMarkerCode = 0x01;

    /// <summary>The lowest second byte of a T.87 marker (C.1.1).</summary>
    public const int T87MinMarkerCode = 0x80;

    /// <summary>
    /// The next marker code at or after <paramref name="pos"/>, skipping fill bytes and stray bytes, leaving
    /// <paramref name="pos"/> after it; null at the end of the data when <paramref name="allowEnd"/>.
    /// </summary>
    /// <param name="streamName">"JPEG" or "JPEG-LS", for the error.</param>
    public static int? Next(byte[] data, ref int pos, bool allowEnd, int minMarkerCode, string streamName)
    {
        while (pos + 1 < data.Length)
        {
            var code = data[pos + 1];
            if (data[pos] == 0xFF && code != 0xFF && code >= minMarkerCode)
            {
                pos += 2;
                return code;
            }

            pos++;
        }

        if (allowEnd)
        {
            return null;
        }

        throw new DicomCodecException($"The {streamName} stream ends before its EOI marker.");
    }

    /// <summary>
    /// The parameters of the marker segment at <paramref name="pos"/> (after its two length bytes), advancing
    /// <paramref name="pos"/> past it.
    /// </summary>
    /// <param name="streamName">"JPEG" or "JPEG-LS", for the error.</param>
    /// <param name="clause">The clause defining the segment length, for the error.</param>
    public static ReadOnlySpan<byte> Segment(byte[] data, ref int pos, string streamName, string clause)
    {
        if (pos + 2 > data.Length)
        {
            throw new DicomCodecException($"The {streamName} stream ends inside a marker segment length ({clause}).");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(pos));
        if (length < 2 || pos + length > data.Length)
        {
            throw new DicomCodecException(
                $"A {streamName} marker segment claims {length} bytes at offset {pos}, beyond the {data.Length}-byte stream ({clause}).");
        }

        var span = data.AsSpan(pos + 2, length - 2);
        pos += length;
        return span;
    }

    /// <summary>
    /// Runs a decoder, turning the runtime's bounds checks into a codec error: every table and segment read is
    /// bounds-checked, so a segment that lies about its length ends here rather than in an unhandled exception.
    /// </summary>
    public static T Guard<T>(Func<T> decode, string truncatedMessage)
    {
        try
        {
            return decode();
        }
        catch (IndexOutOfRangeException e)
        {
            throw new DicomCodecException(truncatedMessage, e);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new DicomCodecException(truncatedMessage, e);
        }
    }
}
