using System.Globalization;

namespace Pacs.Storage;

/// <summary>
/// A byte range of a blob, with the meaning of an HTTP byte range (RFC 9110 14.1.2): <see cref="From"/> an offset
/// (to the end, or for a length that may run past the end and is then cut at the end), or the
/// <see cref="Last"/> n bytes. A range that starts at or past the end is not satisfiable.
/// </summary>
public readonly record struct BlobRange
{
    private BlobRange(long offset, long? length, bool isSuffix)
    {
        Offset = offset;
        Length = length;
        IsSuffix = isSuffix;
    }

    /// <summary>First byte of the range; 0 for a suffix range.</summary>
    public long Offset { get; }

    /// <summary>Bytes asked for (for a suffix range, how many from the end); null means to the end.</summary>
    public long? Length { get; }

    /// <summary>True for "the last <see cref="Length"/> bytes".</summary>
    public bool IsSuffix { get; }

    /// <summary>From <paramref name="offset"/>, for <paramref name="length"/> bytes or to the end.</summary>
    public static BlobRange From(long offset, long? length = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } n)
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n, nameof(length));
        return new BlobRange(offset, length, false);
    }

    /// <summary>The first <paramref name="count"/> bytes.</summary>
    public static BlobRange First(long count) => From(0, count);

    /// <summary>The last <paramref name="count"/> bytes (the whole blob when it is shorter).</summary>
    public static BlobRange Last(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new BlobRange(0, count, true);
    }

    /// <summary>
    /// The absolute offset and length this range selects in a blob of <paramref name="blobSizeBytes"/> bytes, or
    /// null when it selects nothing (starts at or past the end, or the blob is empty).
    /// </summary>
    public (long Offset, long Length)? Resolve(long blobSizeBytes)
    {
        if (IsSuffix)
        {
            if (blobSizeBytes == 0)
                return null;
            long n = Math.Min(Length!.Value, blobSizeBytes);
            return (blobSizeBytes - n, n);
        }
        if (Offset >= blobSizeBytes)
            return null;
        long available = blobSizeBytes - Offset;
        return (Offset, Length is { } length ? Math.Min(length, available) : available);
    }

    /// <summary>The range in HTTP Range header syntax, e.g. <c>bytes=0-99</c>, <c>bytes=100-</c>, <c>bytes=-50</c>.</summary>
    public override string ToString()
    {
        if (IsSuffix)
            return string.Create(CultureInfo.InvariantCulture, $"bytes=-{Length}");
        if (Length is { } length)
            return string.Create(CultureInfo.InvariantCulture, $"bytes={Offset}-{Offset + length - 1}");
        return string.Create(CultureInfo.InvariantCulture, $"bytes={Offset}-");
    }
}
