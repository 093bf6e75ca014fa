using System.Buffers.Binary;

namespace Pacs.Dicom;

/// <summary>A part of one fragment that belongs to a frame: fragment index, start within the fragment's value, byte count.</summary>
internal readonly record struct FragmentSlice(int Fragment, long Start, long Length);

/// <summary>
/// Splits encapsulated pixel data (PS3.5 A.4) into frames: by the Extended Offset Table, else by the Basic
/// Offset Table, else by counting fragments, else by the codestream start marker of each fragment.
/// A table that contradicts the fragments is not trusted: the next method is tried and a warning kept.
/// </summary>
internal sealed class EncapsulatedFrameTable
{
    /// <summary>The bytes a fragment must start with to be recognised as a frame start (the JP2 signature box is the longest).</summary>
    internal const int MarkerLength = 12;

    private static readonly byte[] Jp2Signature = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    private readonly string _element;
    private readonly IReadOnlyList<DicomFragment> _fragments;
    private readonly long[] _itemPositions;
    private readonly int _frameCount;

    private EncapsulatedFrameTable(string element, IReadOnlyList<DicomFragment> fragments, int frameCount)
    {
        _element = element;
        _fragments = fragments;
        _frameCount = frameCount;

        // Every frame needs a fragment of its own (tables must point at distinct items), so frames past the fragment count
        // are missing; the arrays are sized by what the data holds, never by Number of Frames alone.
        var slots = Math.Min(frameCount, fragments.Count);
        _frames = new FragmentSlice[slots][];
        _missing = new string?[slots];

        // PS3.5 A.4: table offsets count from the first byte of the item tag of the first fragment after the
        // Basic Offset Table; each item is its 8-byte header plus its value.
        _itemPositions = new long[fragments.Count];
        long position = 0;
        for (var i = 0; i < fragments.Count; i++)
        {
            _itemPositions[i] = position;
            position += 8 + fragments[i].Length;
        }
    }

    private readonly FragmentSlice[]?[] _frames;
    private readonly string?[] _missing;

    public DicomFrameBoundaries Boundaries { get; private set; }

    /// <summary>The slices to concatenate for a frame; null when the frame is missing.</summary>
    public FragmentSlice[]? Slices(int frameIndex) => frameIndex < _frames.Length ? _frames[frameIndex] : null;

    /// <summary>Why a frame is missing, or null when it is present.</summary>
    public string? MissingReason(int frameIndex)
    {
        if (frameIndex < _missing.Length)
        {
            return _missing[frameIndex];
        }

        return _fragments.Count == 0
            ? $"{_element} holds no fragments, so frame {frameIndex + 1} of {_frameCount} is missing."
            : $"{_element} holds only {_fragments.Count} fragments, so frame {frameIndex + 1} of {_frameCount} is missing.";
    }


    public List<string> Warnings { get; } = [];

    /// <param name="element">The pixel data element's name for messages, e.g. "PixelData (7FE0,0010)".</param>
    /// <param name="pixels">The encapsulated pixel data.</param>
    /// <param name="frameCount">Number of Frames.</param>
    /// <param name="extendedOffsets">The Extended Offset Table's value, or null when absent.</param>
    /// <param name="extendedLengths">The Extended Offset Table Lengths' value, or null when absent.</param>
    /// <param name="readHead">The first bytes (up to <see cref="MarkerLength"/>) of fragment i; called only when no table applies.</param>
    public static EncapsulatedFrameTable Build(
        string element,
        DicomFragmentSequence pixels,
        int frameCount,
        byte[]? extendedOffsets,
        byte[]? extendedLengths,
        Func<int, byte[]> readHead)
    {
        var table = new EncapsulatedFrameTable(element, pixels.Fragments, frameCount);
        if (extendedOffsets is not null && table.TryExtendedOffsetTable(extendedOffsets, extendedLengths))
        {
            table.Boundaries = DicomFrameBoundaries.ExtendedOffsetTable;
            return table;
        }

        if (pixels.OffsetTable.Length > 0 && table.TryBasicOffsetTable(pixels.OffsetTable.Data.Span))
        {
            table.Boundaries = DicomFrameBoundaries.BasicOffsetTable;
            return table;
        }

        table.WithoutTable(readHead);
        return table;
    }

    private bool TryExtendedOffsetTable(byte[] offsets, byte[]? lengths)
    {
        // PS3.3 C.7.6.3.1.8: one 64-bit offset and one 64-bit length per frame.
        if (lengths is null)
        {
            Warnings.Add($"Extended Offset Table (7FE0,0001) is present without Extended Offset Table Lengths (7FE0,0002); it was ignored.");
            return false;
        }

        if (offsets.Length % 8 != 0 || lengths.Length != offsets.Length)
        {
            Warnings.Add($"Extended Offset Table (7FE0,0001) has {offsets.Length} bytes and its Lengths (7FE0,0002) {lengths.Length}; both must hold one 8-byte value per frame. The tables were ignored.");
            return false;
        }

        var count = offsets.Length / 8;
        if (count != _frameCount)
        {
            Warnings.Add($"Extended Offset Table (7FE0,0001) lists {count} frames but Number of Frames is {_frameCount}; it was ignored.");
            return false;
        }

        var starts = new ulong[count];
        var sizes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = BinaryPrimitives.ReadUInt64LittleEndian(offsets.AsSpan(i * 8));
            sizes[i] = BinaryPrimitives.ReadUInt64LittleEndian(lengths.AsSpan(i * 8));
        }

        return TryOffsets("Extended Offset Table (7FE0,0001)", starts, sizes);
    }

    private bool TryBasicOffsetTable(ReadOnlySpan<byte> table)
    {
        var count = table.Length / 4;
        if (table.Length % 4 != 0 || count != _frameCount)
        {
            // PS3.5 A.4: a Basic Offset Table that has a value holds one 32-bit offset per frame.
            Warnings.Add($"The Basic Offset Table of {_element} has {table.Length} bytes, not 4 per frame for {_frameCount} frames; it was ignored.");
            return false;
        }

        // Offsets are 32-bit: past 4 GiB of fragments they wrap. A smaller offset after a larger one is read as a
        // wrap (the result must still land on an item, so a table that is simply wrong is still caught).
        var starts = new ulong[count];
        ulong carry = 0;
        uint previous = 0;
        for (var i = 0; i < count; i++)
        {
            var value = BinaryPrimitives.ReadUInt32LittleEndian(table[(i * 4)..]);
            if (i > 0 && value < previous)
            {
                carry += 1UL << 32;
            }

            starts[i] = carry + value;
            previous = value;
        }

        return TryOffsets($"Basic Offset Table of {_element}", starts, null);
    }

    private bool TryOffsets(string tableName, ulong[] starts, ulong[]? sizes)
    {
        var firstFragment = new int[starts.Length];
        for (var i = 0; i < starts.Length; i++)
        {
            var k = starts[i] > long.MaxValue ? -1 : Array.BinarySearch(_itemPositions, (long)starts[i]);
            if (k < 0)
            {
                Warnings.Add($"The {tableName} gives offset {starts[i]} for frame {i + 1}, which is not the start of a fragment item; the table was ignored.");
                return false;
            }

            if (i > 0 && k <= firstFragment[i - 1])
            {
                Warnings.Add($"The {tableName} does not list frames in ascending order (frame {i + 1} starts at fragment {k + 1}); the table was ignored.");
                return false;
            }

            firstFragment[i] = k;
        }

        for (var i = 0; i < starts.Length; i++)
        {
            var end = i + 1 < starts.Length ? firstFragment[i + 1] : _fragments.Count;
            var slices = new List<FragmentSlice>();
            if (sizes is null)
            {
                for (var k = firstFragment[i]; k < end; k++)
                {
                    slices.Add(new FragmentSlice(k, 0, _fragments[k].Length));
                }
            }
            else
            {
                // The length given for the frame is the byte count of its compressed data; it may end inside the last fragment.
                var remaining = sizes[i];
                for (var k = firstFragment[i]; k < end && remaining > 0; k++)
                {
                    var take = (long)Math.Min(remaining, (ulong)_fragments[k].Length);
                    slices.Add(new FragmentSlice(k, 0, take));
                    remaining -= (ulong)take;
                }

                if (remaining > 0)
                {
                    Warnings.Add($"The {tableName} gives frame {i + 1} a length of {sizes[i]} bytes, more than its fragments hold; the table was ignored.");
                    return false;
                }
            }

            _frames[i] = [.. slices];
        }

        return true;
    }

    private void WithoutTable(Func<int, byte[]> readHead)
    {
        var n = _fragments.Count;
        if (n == 0)
        {
            // Every frame is missing; MissingReason says so.
            Boundaries = DicomFrameBoundaries.OneFragmentPerFrame;
            return;
        }

        if (n == _frameCount)
        {
            // PS3.5 A.4: with an empty offset table and one fragment per frame, fragment i is frame i.
            Boundaries = DicomFrameBoundaries.OneFragmentPerFrame;
            for (var i = 0; i < n; i++)
            {
                _frames[i] = [new FragmentSlice(i, 0, _fragments[i].Length)];
            }

            return;
        }

        if (_frameCount == 1)
        {
            Boundaries = DicomFrameBoundaries.AllFragmentsOneFrame;
            _frames[0] = [.. Enumerable.Range(0, n).Select(k => new FragmentSlice(k, 0, _fragments[k].Length))];
            return;
        }

        var kind = DetectCodestream(readHead(0));
        if (kind == Codestream.Unknown)
        {
            throw new DicomException(
                $"{_element} has {n} fragments for {_frameCount} frames and no offset table, and its first fragment starts with no known frame marker " +
                "(JPEG or JPEG-LS SOI FFD8, JPEG 2000 SOC FF4F FF51, JP2 signature, RLE header), so its frames cannot be told apart (PS3.5 A.4).");
        }

        var starts = new List<int> { 0 };
        for (var k = 1; k < n; k++)
        {
            if (DetectCodestream(readHead(k)) == kind)
            {
                starts.Add(k);
            }
        }

        Boundaries = DicomFrameBoundaries.FrameStartMarkers;
        if (starts.Count == _frameCount)
        {
            for (var i = 0; i < starts.Count; i++)
            {
                var end = i + 1 < starts.Count ? starts[i + 1] : n;
                _frames[i] = [.. Enumerable.Range(starts[i], end - starts[i]).Select(k => new FragmentSlice(k, 0, _fragments[k].Length))];
            }

            return;
        }

        if (starts.Count == n && n < _frameCount)
        {
            // Every fragment starts a frame but there are too few: the frames at the end are not there (MissingReason).
            for (var i = 0; i < n; i++)
            {
                _frames[i] = [new FragmentSlice(i, 0, _fragments[i].Length)];
            }

            return;
        }

        throw new DicomException(
            $"{_element} has {n} fragments for {_frameCount} frames and no offset table; {starts.Count} fragments start with a {kind} marker, " +
            "so the frames cannot be told apart (PS3.5 A.4).");
    }

    private enum Codestream
    {
        Unknown,
        Jpeg,
        Jpeg2000,
        Jp2,
        Rle,
    }

    private static Codestream DetectCodestream(ReadOnlySpan<byte> head)
    {
        // JPEG (ISO 10918-1) and JPEG-LS (ISO 14495-1) both open with SOI FFD8 and another marker.
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return Codestream.Jpeg;
        }

        // JPEG 2000 codestream (ISO 15444-1 A.4): SOC FF4F then SIZ FF51 (also HTJ2K).
        if (head.Length >= 4 && head[0] == 0xFF && head[1] == 0x4F && head[2] == 0xFF && head[3] == 0x51)
        {
            return Codestream.Jpeg2000;
        }

        if (head.Length >= Jp2Signature.Length && head[..Jp2Signature.Length].SequenceEqual(Jp2Signature))
        {
            return Codestream.Jp2;
        }

        // PS3.5 G.5: the RLE header is a segment count of 1 to 15 and the first segment at offset 64.
        if (head.Length >= 8)
        {
            var segments = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (segments is >= 1 and <= 15 && BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) == 64)
            {
                return Codestream.Rle;
            }
        }

        return Codestream.Unknown;
    }
}
