using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pacs.Dicom;

/// <summary>
/// The frames of a data set's pixel data and where each lies in the stored object, so that WADO-RS can serve
/// a frame by range reads without loading the rest. Works on native pixel data (Pixel Data, Float Pixel Data,
/// Double Float Pixel Data; PS3.5 8.1, 8.2) and on encapsulated pixel data (PS3.5 A.4), whether the values
/// were loaded or left in the source as bulk data.
/// </summary>
public sealed class DicomPixelData
{
    private static readonly DicomTag SamplesPerPixelTag = new(0x00280002);
    private static readonly DicomTag PhotometricInterpretationTag = new(0x00280004);
    private static readonly DicomTag PlanarConfigurationTag = new(0x00280006);
    private static readonly DicomTag NumberOfFramesTag = new(0x00280008);
    private static readonly DicomTag RowsTag = new(0x00280010);
    private static readonly DicomTag ColumnsTag = new(0x00280011);
    private static readonly DicomTag BitsAllocatedTag = new(0x00280100);
    private static readonly DicomTag ExtendedOffsetTableTag = new(0x7FE00001);
    private static readonly DicomTag ExtendedOffsetTableLengthsTag = new(0x7FE00002);

    private readonly EncapsulatedFrameTable? _table;
    private readonly string _name;
    private readonly long _completeFrames;

    private DicomPixelData(DicomDataset dataset, DicomElement element, DicomTransferSyntax? transferSyntax, IDicomBulkDataSource? source)
    {
        Element = element;
        TransferSyntax = transferSyntax;
        _name = ElementName(element.Tag);

        Rows = ReadImageAttribute(dataset, RowsTag, "Rows (0028,0010)", 0);
        Columns = ReadImageAttribute(dataset, ColumnsTag, "Columns (0028,0011)", 0);
        BitsAllocated = ReadImageAttribute(dataset, BitsAllocatedTag, "Bits Allocated (0028,0100)", 0);
        SamplesPerPixel = ReadImageAttribute(dataset, SamplesPerPixelTag, "Samples per Pixel (0028,0002)", 1);
        PlanarConfiguration = ReadInt32(dataset, PlanarConfigurationTag) ?? 0;
        PhotometricInterpretation = dataset.GetString(PhotometricInterpretationTag) ?? string.Empty;
        NumberOfFrames = ReadNumberOfFrames(dataset);

        // PS3.3 C.7.6.3.1.2: native YBR_FULL_422 keeps two luminance and two chrominance samples per two pixels.
        var samplesStored = SamplesPerPixel == 3 && PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422" ? 2 : SamplesPerPixel;
        try
        {
            FrameBitCount = checked((long)Rows * Columns * samplesStored * BitsAllocated);
        }
        catch (OverflowException e)
        {
            throw new DicomException($"Rows {Rows} × Columns {Columns} × {samplesStored} samples × Bits Allocated {BitsAllocated} is too large to be a frame of {_name}.", e);
        }

        var deflated = transferSyntax?.IsDeflated == true;

        if (element is DicomFragmentSequence fragments)
        {
            IsEncapsulated = true;
            HasSourceOffsets = !deflated && fragments.Fragments.All(f => f.ValueOffset >= 0);
            _table = EncapsulatedFrameTable.Build(
                _name,
                fragments,
                NumberOfFrames,
                ReadOptionalValue(dataset, ExtendedOffsetTableTag, source),
                ReadOptionalValue(dataset, ExtendedOffsetTableLengthsTag, source),
                i => ReadFragmentHead(fragments.Fragments[i], source));
            Boundaries = _table.Boundaries;
            Warnings = _table.Warnings;
            return;
        }

        Boundaries = DicomFrameBoundaries.Native;
        HasSourceOffsets = !deflated && element.ValueOffset >= 0;
        IsBigEndian = element.BulkData?.BigEndian ?? transferSyntax?.IsBigEndian ?? false;
        Require(Rows, "Rows (0028,0010)");
        Require(Columns, "Columns (0028,0011)");
        Require(BitsAllocated, "Bits Allocated (0028,0100)");
        _completeFrames = Math.Min(NumberOfFrames, element.Length * 8 / FrameBitCount);
    }

    /// <summary>The pixel data element: Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009).</summary>
    public DicomElement Element { get; }

    public DicomTag Tag => Element.Tag;

    /// <summary>The transfer syntax the caller said the data set was read in; null when not given.</summary>
    public DicomTransferSyntax? TransferSyntax { get; }

    /// <summary>True for encapsulated (compressed or Encapsulated Uncompressed) pixel data, PS3.5 A.4.</summary>
    public bool IsEncapsulated { get; }

    /// <summary>Number of Frames (0028,0008); 1 when absent.</summary>
    public int NumberOfFrames { get; }

    /// <summary>Rows (0028,0010); 0 when absent (allowed only for encapsulated pixel data here).</summary>
    public int Rows { get; }

    /// <summary>Columns (0028,0011); 0 when absent.</summary>
    public int Columns { get; }

    /// <summary>Samples per Pixel (0028,0002); 1 when absent.</summary>
    public int SamplesPerPixel { get; }

    /// <summary>Bits Allocated (0028,0100); 0 when absent.</summary>
    public int BitsAllocated { get; }

    /// <summary>
    /// Planar Configuration (0028,0006): 0 = colour by pixel (R1G1B1 R2G2B2 …), 1 = by plane (R1R2… G1G2… B1B2…).
    /// It changes the order of samples inside a frame, not the frame's size. 0 when absent.
    /// </summary>
    public int PlanarConfiguration { get; }

    /// <summary>Photometric Interpretation (0028,0004), e.g. MONOCHROME2, RGB, YBR_FULL_422; empty when absent.</summary>
    public string PhotometricInterpretation { get; }

    /// <summary>
    /// The size of one native frame in bits: Rows × Columns × samples × Bits Allocated (YBR_FULL_422 stores two
    /// samples per pixel). For encapsulated pixel data, the size a decoder produces.
    /// </summary>
    public long FrameBitCount { get; }

    /// <summary>The size of one native frame in bytes (bits rounded up: with Bits Allocated 1 a frame need not fill its last byte).</summary>
    public long FrameByteCount => (FrameBitCount + 7) / 8;

    /// <summary>How the frames were told apart.</summary>
    public DicomFrameBoundaries Boundaries { get; }

    /// <summary>
    /// True when <see cref="GetFrameRanges"/> gives absolute offsets in the stored object. False for data sets
    /// built in memory, and for a Deflated Explicit VR Little Endian object, whose offsets count inflated bytes.
    /// </summary>
    public bool HasSourceOffsets { get; }

    /// <summary>Native pixel data whose samples are stored big-endian (Explicit VR Big Endian).</summary>
    public bool IsBigEndian { get; }

    /// <summary>Offset tables that were not trusted and why, one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; } = [];

    /// <summary>
    /// Finds the pixel data of a data set and splits it into frames.
    /// </summary>
    /// <param name="dataset">The data set (its Image Pixel attributes and one of the pixel data elements).</param>
    /// <param name="transferSyntax">
    /// The transfer syntax it was read in. Needed to serve loaded big-endian pixel data correctly and to know that
    /// offsets of a deflated object are not range-readable; bulk data references carry their byte order themselves.
    /// </param>
    /// <param name="source">
    /// Where bulk data can be read when the references carry no source; used only when encapsulated pixel data has no
    /// offset table and the first bytes of its fragments must be looked at.
    /// </param>
    /// <exception cref="DicomException">No pixel data, image attributes missing or invalid, or encapsulated frames that cannot be told apart.</exception>
    public static DicomPixelData FromDataset(DicomDataset dataset, DicomTransferSyntax? transferSyntax = null, IDicomBulkDataSource? source = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var element = dataset.Get(DicomTag.PixelData) ?? dataset.Get(DicomTag.FloatPixelData) ?? dataset.Get(DicomTag.DoubleFloatPixelData)
            ?? throw new DicomException("The data set has no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009).");
        return new DicomPixelData(dataset, element, transferSyntax, source);
    }

    /// <summary>
    /// Where frame <paramref name="frameIndex"/> (0-based) lies in the stored object. A frame the pixel data does not
    /// hold in full comes back with <see cref="DicomFrameRanges.IsMissing"/> and the reason.
    /// </summary>
    /// <exception cref="DicomException">The offsets do not refer to the stored object (see <see cref="HasSourceOffsets"/>).</exception>
    public DicomFrameRanges GetFrameRanges(int frameIndex)
    {
        CheckIndex(frameIndex);
        if (MissingReason(frameIndex) is { } missing)
        {
            return new DicomFrameRanges(frameIndex, missing);
        }

        if (!HasSourceOffsets)
        {
            var why = TransferSyntax?.IsDeflated == true
                ? $"the object is {TransferSyntax.Name}, so offsets count inflated bytes"
                : "the element was not read from a source (it has no recorded offset)";
            throw new DicomException($"{_name} frame {frameIndex + 1} has no byte range in the stored object: {why}. Read it with ReadFrame.");
        }

        if (_table is not null)
        {
            var fragments = ((DicomFragmentSequence)Element).Fragments;
            var slices = _table.Slices(frameIndex)!;
            var ranges = new DicomByteRange[slices.Length];
            for (var i = 0; i < slices.Length; i++)
            {
                ranges[i] = new DicomByteRange(fragments[slices[i].Fragment].ValueOffset + slices[i].Start, slices[i].Length);
            }

            var length = ranges.Sum(r => r.Length);
            return new DicomFrameRanges(frameIndex, ranges, 0, length * 8, isBigEndian: false);
        }

        var (firstByte, bitOffset, byteCount) = NativeLocation(frameIndex);
        return new DicomFrameRanges(frameIndex, [new DicomByteRange(Element.ValueOffset + firstByte, byteCount)], bitOffset, FrameBitCount, IsBigEndian);
    }

    /// <summary>
    /// The bytes of frame <paramref name="frameIndex"/> (0-based): for native pixel data the frame with little-endian
    /// samples, packed bits starting at bit 0; for encapsulated pixel data the frame's compressed bytes (fragments
    /// concatenated, trailing padding kept). Loaded values are copied from memory; bulk data is read from
    /// <paramref name="source"/>, else from the source its reference names.
    /// </summary>
    /// <exception cref="DicomException">The frame is missing, or its bytes cannot be read.</exception>
    public byte[] ReadFrame(int frameIndex, IDicomBulkDataSource? source = null)
    {
        CheckIndex(frameIndex);
        if (MissingReason(frameIndex) is { } missing)
        {
            throw new DicomException(missing);
        }

        return _table is not null ? ReadEncapsulatedFrame(frameIndex, source) : ReadNativeFrame(frameIndex, source);
    }

    /// <summary>
    /// Copies <paramref name="bitCount"/> bits that start at bit <paramref name="firstBitOffset"/> (0 = least significant)
    /// of the first byte into a new array starting at bit 0, the packing PS3.5 8.1.1 gives 1-bit pixel data. Bits of
    /// the last output byte past the frame are zero.
    /// </summary>
    public static byte[] RepackBits(ReadOnlySpan<byte> bytes, int firstBitOffset, long bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bitCount);
        if (firstBitOffset is < 0 or > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(firstBitOffset), firstBitOffset, "A bit offset inside a byte is 0 to 7.");
        }

        if ((bytes.Length * 8L) - firstBitOffset < bitCount)
        {
            throw new ArgumentException($"{bytes.Length} bytes from bit {firstBitOffset} hold fewer than {bitCount} bits.", nameof(bytes));
        }

        var result = new byte[(bitCount + 7) / 8];
        if (firstBitOffset == 0)
        {
            bytes[..result.Length].CopyTo(result);
        }
        else
        {
            var shiftBack = 8 - firstBitOffset;
            for (var j = 0; j < result.Length; j++)
            {
                var low = bytes[j] >> firstBitOffset;
                var high = j + 1 < bytes.Length ? bytes[j + 1] << shiftBack : 0;
                result[j] = (byte)(low | high);
            }
        }

        var tail = (int)(bitCount % 8);
        if (tail != 0)
        {
            result[^1] &= (byte)((1 << tail) - 1);
        }

        return result;
    }

    public override string ToString() =>
        $"{_name}: {NumberOfFrames} frame(s), {(IsEncapsulated ? "encapsulated" : $"native {FrameByteCount} bytes each")}, boundaries {Boundaries}";

    // ------------------------------------------------------------------ native

    private (long FirstByte, int BitOffset, long ByteCount) NativeLocation(int frameIndex)
    {
        // PS3.5 8.2: frames follow each other without padding; with Bits Allocated 1 a frame may start mid-byte.
        var startBit = frameIndex * FrameBitCount;
        var bitOffset = (int)(startBit & 7);
        return (startBit >> 3, bitOffset, (bitOffset + FrameBitCount + 7) >> 3);
    }

    private byte[] ReadNativeFrame(int frameIndex, IDicomBulkDataSource? source)
    {
        var (firstByte, bitOffset, byteCount) = NativeLocation(frameIndex);
        var loaded = !Element.IsBulkData;
        var vrUnit = Math.Max(1, Element.VR.ByteSwapUnit());

        // Big-endian samples are swapped per sample (PS3.5 7.3): per Bits Allocated / 8 bytes from 16 bits up, per
        // the VR's word below that (OW holds 8-bit and 1-bit data in 16-bit words). The reader already swapped loaded
        // values per VR word; that swap is undone first where the two differ (e.g. 32-bit samples in OW).
        var sampleUnit = BitsAllocated >= 16 && BitsAllocated % 8 == 0 ? BitsAllocated / 8 : vrUnit;
        var align = IsBigEndian ? Math.Max(sampleUnit, loaded ? vrUnit : 1) : 1;
        var windowStart = firstByte / align * align;
        var windowEnd = Math.Min((firstByte + byteCount + align - 1) / align * align, Element.Length);

        byte[] window;
        if (loaded)
        {
            window = Element.Value.Span[(int)windowStart..(int)windowEnd].ToArray();
            if (IsBigEndian && vrUnit != sampleUnit)
            {
                SwapBytes(window, vrUnit);
                SwapBytes(window, sampleUnit);
            }
        }
        else
        {
            window = ReadBulk(Element.BulkData!, windowStart, windowEnd - windowStart, source, frameIndex);
            if (IsBigEndian)
            {
                SwapBytes(window, sampleUnit);
            }
        }

        var skip = (int)(firstByte - windowStart);
        if (bitOffset == 0 && FrameBitCount % 8 == 0)
        {
            return skip == 0 && window.Length == byteCount ? window : window.AsSpan(skip, (int)byteCount).ToArray();
        }

        return RepackBits(window.AsSpan(skip), bitOffset, FrameBitCount);
    }

    private static void SwapBytes(Span<byte> data, int unit)
    {
        var whole = data.Length / unit * unit;
        switch (unit)
        {
            case 1:
                return;
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(data[..whole]);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                return;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(data[..whole]);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                return;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(data[..whole]);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                return;
            default:
                for (var i = 0; i < whole; i += unit)
                {
                    data.Slice(i, unit).Reverse();
                }

                return;
        }
    }

    // ------------------------------------------------------------------ encapsulated

    private byte[] ReadEncapsulatedFrame(int frameIndex, IDicomBulkDataSource? source)
    {
        var fragments = ((DicomFragmentSequence)Element).Fragments;
        var slices = _table!.Slices(frameIndex)!;
        var total = slices.Sum(s => s.Length);
        if (total > Array.MaxLength)
        {
            throw new DicomException($"{_name} frame {frameIndex + 1} is {total} bytes, more than one array can hold; serve it by its ranges.");
        }

        var result = new byte[total];
        var at = 0;
        foreach (var slice in slices)
        {
            var fragment = fragments[slice.Fragment];
            if (fragment.BulkData is { } bulk)
            {
                ReadBulk(bulk, slice.Start, slice.Length, source, frameIndex).CopyTo(result, at);
            }
            else
            {
                fragment.Data.Span.Slice((int)slice.Start, (int)slice.Length).CopyTo(result.AsSpan(at));
            }

            at += (int)slice.Length;
        }

        return result;
    }

    private byte[] ReadFragmentHead(DicomFragment fragment, IDicomBulkDataSource? source)
    {
        var count = (int)Math.Min(EncapsulatedFrameTable.MarkerLength, fragment.Length);
        if (fragment.BulkData is not { } bulk)
        {
            return fragment.Data.Span[..count].ToArray();
        }

        var from = source ?? bulk.Source
            ?? throw new DicomException($"{_name} has no offset table, so the first bytes of its fragments must be read to find the frames, but the fragments were not loaded and no bulk data source was given.");
        return ReadRange(from, bulk.Offset, count);
    }

    // ------------------------------------------------------------------ shared

    private byte[] ReadBulk(DicomBulkDataReference bulk, long start, long length, IDicomBulkDataSource? source, int frameIndex)
    {
        if (length > Array.MaxLength)
        {
            throw new DicomException($"{_name} frame {frameIndex + 1} is {length} bytes, more than one array can hold; serve it by its ranges.");
        }

        var from = source ?? bulk.Source
            ?? throw new DicomException($"{_name} was not loaded and no bulk data source was given to read frame {frameIndex + 1} from.");
        return ReadRange(from, bulk.Offset + start, (int)length);
    }

    private byte[] ReadRange(IDicomBulkDataSource source, long offset, int length)
    {
        var bytes = new byte[length];
        using var stream = source.OpenRange(offset, length);
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new DicomException($"{_name}: the source ended inside the {length} bytes at offset {offset}.", e);
        }

        return bytes;
    }

    private string? MissingReason(int frameIndex)
    {
        if (_table is not null)
        {
            return _table.MissingReason(frameIndex);
        }

        if (frameIndex < _completeFrames)
        {
            return null;
        }

        var unit = FrameBitCount % 8 == 0 ? $"{FrameByteCount} bytes" : $"{FrameBitCount} bits";
        return $"{_name} holds {Element.Length} bytes, enough for {_completeFrames} of the {NumberOfFrames} frames of {unit} each " +
            $"({Rows} rows × {Columns} columns × {SamplesPerPixel} samples × {BitsAllocated} bits), so frame {frameIndex + 1} is missing.";
    }

    private void CheckIndex(int frameIndex)
    {
        if (frameIndex < 0 || frameIndex >= NumberOfFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(frameIndex), frameIndex, $"{_name} has {NumberOfFrames} frame(s), indexed from 0.");
        }
    }

    private int ReadNumberOfFrames(DicomDataset dataset)
    {
        var element = dataset.Get(NumberOfFramesTag);
        if (element is null || element.Length == 0)
        {
            // Type 1 in multi-frame modules, absent in single-frame ones: absent means one frame.
            return 1;
        }

        var frames = ReadInt32(dataset, NumberOfFramesTag);
        if (frames is not > 0)
        {
            var text = System.Text.Encoding.ASCII.GetString(element.Value.Span).Trim(' ', '\0');
            throw new DicomException($"Number of Frames (0028,0008) is '{text}', not a positive number, so the frames of {_name} cannot be located.");
        }

        return frames.Value;
    }

    private int ReadImageAttribute(DicomDataset dataset, DicomTag tag, string name, int absent)
    {
        if (!dataset.Contains(tag) || dataset.Get(tag)!.Length == 0)
        {
            return absent;
        }

        var value = ReadInt32(dataset, tag);
        if (value is not > 0)
        {
            throw new DicomException($"{name} is {(value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not a number")}, so the frames of {_name} cannot be located.");
        }

        return value.Value;
    }

    /// <summary>
    /// An integer attribute, also when it came as UN (implicit VR read without a dictionary entry, or a UN written by a
    /// converter): PS3.5 6.2.2 keeps the original encoding, little-endian US for the Image Pixel attributes, IS text for
    /// Number of Frames.
    /// </summary>
    private static int? ReadInt32(DicomDataset dataset, DicomTag tag)
    {
        var element = dataset.Get(tag);
        if (element is null || element.VR != DicomVR.UN || element.IsBulkData)
        {
            return dataset.GetInt32(tag);
        }

        var span = element.Value.Span;
        if (tag == NumberOfFramesTag)
        {
            var text = System.Text.Encoding.ASCII.GetString(span).Trim(' ', '\0');
            return int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        }

        return span.Length == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(span) : null;
    }

    private void Require(int value, string name)
    {
        if (value == 0)
        {
            throw new DicomException($"{name} is missing, so native {_name} cannot be split into frames.");
        }
    }

    private byte[]? ReadOptionalValue(DicomDataset dataset, DicomTag tag, IDicomBulkDataSource? source)
    {
        var element = dataset.Get(tag);
        if (element is null)
        {
            return null;
        }

        if (element.BulkData is not { } bulk)
        {
            return element.Value.ToArray();
        }

        var from = source ?? bulk.Source
            ?? throw new DicomException($"{ElementName(tag)} was not loaded and no bulk data source was given to read it from.");
        if (bulk.Length > Array.MaxLength)
        {
            throw new DicomException($"{ElementName(tag)} of {bulk.Length} bytes is too large to read.");
        }

        return ReadRange(from, bulk.Offset, (int)bulk.Length);
    }

    private static string ElementName(DicomTag tag) => tag.Value switch
    {
        0x7FE00010 => "Pixel Data (7FE0,0010)",
        0x7FE00008 => "Float Pixel Data (7FE0,0008)",
        0x7FE00009 => "Double Float Pixel Data (7FE0,0009)",
        0x7FE00001 => "Extended Offset Table (7FE0,0001)",
        0x7FE00002 => "Extended Offset Table Lengths (7FE0,0002)",
        _ => tag.ToString(),
    };
}
