namespace Pacs.Dicom;

/// <summary>
/// One data element: tag, VR and value. Binary values are held little-endian whatever the source
/// transfer syntax was (the reader swaps big-endian input; the writer swaps back). Text values are
/// held as the bytes that were sent and decoded on demand with the dataset's Specific Character Set.
/// A value over the reader's bulk data threshold is not loaded: <see cref="BulkData"/> says where it is.
/// </summary>
public class DicomElement
{
    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value, long valueOffset = -1)
    {
        Tag = tag;
        VR = vr;
        Value = value;
        ValueOffset = valueOffset;
    }

    public DicomElement(DicomTag tag, DicomVR vr, DicomBulkDataReference bulkData)
    {
        Tag = tag;
        VR = vr;
        BulkData = bulkData;
        ValueOffset = bulkData.Offset;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    /// <summary>The loaded value bytes (little-endian for binary VRs); empty when the value is kept as <see cref="BulkData"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Where the value lies in the source when it was not loaded; null when <see cref="Value"/> holds it.</summary>
    public DicomBulkDataReference? BulkData { get; }

    /// <summary>Absolute offset of the first value byte in the source, or -1 for elements built in memory.</summary>
    public long ValueOffset { get; }

    /// <summary>Length of the value in bytes (loaded or not). For sequences and fragments, -1 when the length was undefined.</summary>
    public virtual long Length => BulkData?.Length ?? Value.Length;

    /// <summary>True when the value is not in memory.</summary>
    public bool IsBulkData => BulkData is not null;

    public override string ToString() => $"{Tag} {VR.Code()} {Length} bytes";
}

/// <summary>A sequence of items (VR SQ, or UN holding an implicit-VR sequence that the reader resolved).</summary>
public sealed class DicomSequence : DicomElement
{
    private readonly List<DicomDataset> _items;

    public DicomSequence(DicomTag tag, IEnumerable<DicomDataset> items, long valueOffset = -1, bool undefinedLength = true)
        : base(tag, DicomVR.SQ, ReadOnlyMemory<byte>.Empty, valueOffset)
    {
        _items = [.. items];
        UndefinedLength = undefinedLength;
    }

    public DicomSequence(DicomTag tag, params DicomDataset[] items)
        : this(tag, (IEnumerable<DicomDataset>)items)
    {
    }

    public IReadOnlyList<DicomDataset> Items => _items;

    /// <summary>Whether the source encoded the sequence with undefined length (kept so a rewrite gives the same bytes).</summary>
    public bool UndefinedLength { get; }

    /// <summary>The length as the source encoded it, -1 when undefined or built in memory.</summary>
    public long EncodedLength { get; init; } = -1;

    public override long Length => EncodedLength;

    internal List<DicomDataset> MutableItems => _items;

    public override string ToString() => $"{Tag} SQ {_items.Count} items";
}

/// <summary>
/// Encapsulated pixel data (PS3.5 A.4): an undefined-length OB element whose first item is the
/// Basic Offset Table and whose further items are fragments of compressed frames.
/// </summary>
public sealed class DicomFragmentSequence : DicomElement
{
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, DicomFragment offsetTable, IReadOnlyList<DicomFragment> fragments, long valueOffset = -1)
        : base(tag, vr, ReadOnlyMemory<byte>.Empty, valueOffset)
    {
        OffsetTable = offsetTable;
        Fragments = fragments;
    }

    /// <summary>The first item: the Basic Offset Table (often empty).</summary>
    public DicomFragment OffsetTable { get; }

    /// <summary>Every item after the offset table, in order.</summary>
    public IReadOnlyList<DicomFragment> Fragments { get; }

    public override long Length => -1;

    /// <summary>The Basic Offset Table's entries: offsets of each frame's first fragment, relative to the first fragment's item tag.</summary>
    public uint[] GetBasicOffsets()
    {
        var data = OffsetTable.Data.Span;
        var result = new uint[data.Length / 4];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 4)..]);
        }

        return result;
    }

    public override string ToString() => $"{Tag} {VR.Code()} encapsulated, {Fragments.Count} fragments";
}

/// <summary>
/// One item of encapsulated pixel data. <see cref="ItemOffset"/> is the absolute offset of its item
/// tag (FFFE,E000) in the source, <see cref="ValueOffset"/> of its first data byte.
/// </summary>
public sealed class DicomFragment
{
    public DicomFragment(long itemOffset, long length, ReadOnlyMemory<byte> data)
    {
        ItemOffset = itemOffset;
        Length = length;
        Data = data;
    }

    public DicomFragment(long itemOffset, DicomBulkDataReference bulkData)
    {
        ItemOffset = itemOffset;
        Length = bulkData.Length;
        BulkData = bulkData;
    }

    public long ItemOffset { get; }

    public long ValueOffset => ItemOffset < 0 ? -1 : ItemOffset + 8;

    public long Length { get; }

    /// <summary>The fragment bytes when loaded; empty when kept as <see cref="BulkData"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public DicomBulkDataReference? BulkData { get; }
}
