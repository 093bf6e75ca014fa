namespace Pacs.Dicom;

/// <summary>
/// Where one frame lies in the stored object, so that it can be served by range reads: one range for native
/// pixel data, one per fragment (or part of a fragment) for encapsulated pixel data. A frame that the pixel
/// data does not hold in full is reported as missing with the reason instead of ranges.
/// </summary>
public sealed class DicomFrameRanges
{
    internal DicomFrameRanges(int frameIndex, IReadOnlyList<DicomByteRange> ranges, int firstBitOffset, long bitCount, bool isBigEndian)
    {
        FrameIndex = frameIndex;
        Ranges = ranges;
        FirstBitOffset = firstBitOffset;
        BitCount = bitCount;
        IsBigEndian = isBigEndian;
        Length = ranges.Sum(r => r.Length);
    }

    internal DicomFrameRanges(int frameIndex, string missingReason)
    {
        FrameIndex = frameIndex;
        Ranges = [];
        MissingReason = missingReason;
    }

    /// <summary>The 0-based frame index (DICOM frame numbers, as in WADO-RS, start at 1).</summary>
    public int FrameIndex { get; }

    /// <summary>The byte ranges to read and concatenate, in order. Empty when the frame is missing.</summary>
    public IReadOnlyList<DicomByteRange> Ranges { get; }

    /// <summary>The total number of bytes the ranges cover.</summary>
    public long Length { get; }

    /// <summary>
    /// Native pixel data with packed bits (BitsAllocated 1, PS3.5 8.1.1): the bit of the first byte where the
    /// frame's first pixel lies (0 = least significant). Frames after the first need not start on a byte
    /// boundary (PS3.5 8.2); <see cref="DicomPixelData.RepackBits"/> shifts such a frame to start at bit 0.
    /// Always 0 for byte-aligned and encapsulated frames.
    /// </summary>
    public int FirstBitOffset { get; }

    /// <summary>The frame's size in bits (native), or <see cref="Length"/> × 8 (encapsulated).</summary>
    public long BitCount { get; }

    /// <summary>
    /// True when the ranges hold big-endian samples (native pixel data of an Explicit VR Big Endian object);
    /// they must be byte-swapped to serve the little-endian frame PS3.18 asks for. <see cref="DicomPixelData.ReadFrame"/> does so.
    /// </summary>
    public bool IsBigEndian { get; }

    /// <summary>Why the frame is missing (e.g. the pixel data is too short to hold it); null when it is present.</summary>
    public string? MissingReason { get; }

    public bool IsMissing => MissingReason is not null;

    public override string ToString() => IsMissing
        ? $"frame {FrameIndex + 1}: missing ({MissingReason})"
        : $"frame {FrameIndex + 1}: {Length} bytes in {Ranges.Count} range(s)";
}
