using System.Buffers;
using System.Buffers.Binary;

namespace Pacs.Dicom;

/// <summary>
/// Encodes one data set in one transfer syntax, in two passes so that nothing is ever sought back to:
/// <see cref="Measure"/> walks the tree once and records, in the order the write meets them, every length that has to
/// be written before its content (defined-length sequences and items, group lengths); <see cref="WriteAsync"/> then
/// walks it again and writes, taking those lengths in the same order. Each pass is linear in the size of the tree.
/// </summary>
internal sealed partial class DicomWriterEncoder : IDisposable
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    // PS3.5 7.1.1: a defined length is a 32-bit number and FFFFFFFF means undefined, so FFFFFFFE is the largest.
    private const long MaxDefinedLength = 0xFFFFFFFE;

    // PS3.5 7.1.2: the 16-bit length of the short explicit-VR header; values are even, so 65534 is the largest that fits.
    private const int MaxShortLength = 0xFFFE;

    private const uint TrailingPadding = 0xFFFCFFFC;

    private readonly bool _explicitVR;
    private readonly bool _bigEndian;
    private readonly bool _encapsulated;
    private readonly IDicomBulkDataSource? _bulkDataSource;
    private long[] _lengths;
    private int _lengthCount;
    private int _lengthCursor;
    private bool _measured;

    public DicomWriterEncoder(DicomTransferSyntax transferSyntax, IDicomBulkDataSource? bulkDataSource)
    {
        _explicitVR = transferSyntax.IsExplicitVR;
        _bigEndian = transferSyntax.IsBigEndian;
        _encapsulated = transferSyntax.IsEncapsulated;
        _bulkDataSource = bulkDataSource;
        _lengths = ArrayPool<long>.Shared.Rent(64);
    }

    /// <summary>Leave out group 0002 at the top level: in a PS3.10 file it belongs to the File Meta Information only (PS3.10 7.1).</summary>
    public bool SkipFileMetaGroup { get; init; }

    /// <summary>The encoded length of <paramref name="dataset"/>, remembered for the write that follows.</summary>
    public long Measure(DicomDataset dataset)
    {
        _lengthCount = 0;
        _lengthCursor = 0;
        var length = MeasureDataset(dataset, topLevel: true);
        _measured = true;
        return length;
    }

    /// <summary>Writes the data set measured last (the very same, unchanged) to <paramref name="output"/>.</summary>
    public ValueTask WriteAsync(DicomDataset dataset, DicomWriterOutput output, bool useAsync)
    {
        if (!_measured)
        {
            throw new InvalidOperationException("Measure the data set before writing it.");
        }

        _lengthCursor = 0;
        return WriteDatasetAsync(dataset, output, topLevel: true, useAsync);
    }

    public void Dispose()
    {
        if (_lengths.Length > 0)
        {
            ArrayPool<long>.Shared.Return(_lengths);
            _lengths = [];
        }
    }

    // ------------------------------------------------------------------ pass 1: lengths

    private long MeasureDataset(DicomDataset dataset, bool topLevel)
    {
        var elements = dataset.Elements;
        long total = 0;
        var groupSlot = -1;
        ushort group = 0;
        long groupStart = 0;
        uint previous = 0;
        var first = true;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            if (Skip(element, topLevel))
            {
                continue;
            }

            var tag = element.Tag;
            if (!first && tag.Value <= previous)
            {
                // PS3.5 7.1: elements in ascending tag order, each tag once. DicomDataset keeps this; a breach is a bug.
                throw new DicomException($"{DicomDataset.Describe(tag)} is out of order or repeated in the data set (PS3.5 7.1); it cannot be written.");
            }

            first = false;
            previous = tag.Value;
            if (groupSlot >= 0 && tag.Group != group)
            {
                _lengths[groupSlot] = CheckDefined(total - groupStart, tag);
                groupSlot = -1;
            }

            if (tag.IsGroupLength)
            {
                // PS3.5 7.2: the group length counts every following element of its group; recomputed, never trusted.
                total += HeaderLength(DicomVR.UL) + 4;
                groupSlot = Reserve();
                group = tag.Group;
                groupStart = total;
                continue;
            }

            total += MeasureElement(element);
        }

        if (groupSlot >= 0)
        {
            _lengths[groupSlot] = CheckDefined(total - groupStart, new DicomTag(group, 0));
        }

        return total;
    }

    private long MeasureElement(DicomElement element)
    {
        switch (element)
        {
            case DicomSequence sequence:
                var sequenceSlot = sequence.UndefinedLength ? -1 : Reserve();
                long content = 0;
                var items = sequence.Items;
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i];
                    var itemUndefined = item.EncodedLength < 0;
                    var itemSlot = itemUndefined ? -1 : Reserve();
                    var itemLength = MeasureDataset(item, topLevel: false);
                    if (itemSlot >= 0)
                    {
                        _lengths[itemSlot] = CheckDefined(itemLength, sequence.Tag);
                    }

                    // PS3.5 7.5.1: item tag and length, content, and an Item Delimitation Item when undefined.
                    content += 8 + itemLength + (itemUndefined ? 8 : 0);
                }

                if (sequenceSlot >= 0)
                {
                    _lengths[sequenceSlot] = CheckDefined(content, sequence.Tag);
                }

                return HeaderLength(DicomVR.SQ) + content + (sequence.UndefinedLength ? 8 : 0);

            case DicomFragmentSequence fragments:
                if (!_encapsulated)
                {
                    throw new DicomException(
                        $"{DicomDataset.Describe(fragments.Tag)} holds encapsulated (compressed) fragments, which a native transfer syntax cannot carry; decompress it with a codec first (PS3.5 A.4).");
                }

                // PS3.5 A.4: undefined-length element, Basic Offset Table item, one item per fragment, Sequence Delimitation Item.
                long total = HeaderLength(DicomVR.OB) + 8 + Even(FragmentLength(fragments.OffsetTable, fragments.Tag)) + 8;
                var list = fragments.Fragments;
                for (var i = 0; i < list.Count; i++)
                {
                    total += 8 + Even(FragmentLength(list[i], fragments.Tag));
                }

                return total;

            default:
                var length = Even(element.Length);
                if (element.BulkData is { Source: null } && _bulkDataSource is null)
                {
                    throw MissingSource(element.Tag, element.BulkData);
                }

                if (length > MaxDefinedLength)
                {
                    throw new DicomException($"{DicomDataset.Describe(element.Tag)} is {length} bytes long, more than a 32-bit length can say (PS3.5 7.1.1).");
                }

                return HeaderLength(WireVR(element, length)) + length;
        }
    }

    private long FragmentLength(DicomFragment fragment, DicomTag tag)
    {
        if (fragment.BulkData is { } bulk)
        {
            if (bulk.Source is null && _bulkDataSource is null)
            {
                throw MissingSource(tag, bulk);
            }

            return bulk.Length;
        }

        return fragment.Data.Length;
    }

    private int Reserve()
    {
        if (_lengthCount == _lengths.Length)
        {
            var bigger = ArrayPool<long>.Shared.Rent(_lengths.Length * 2);
            _lengths.AsSpan(0, _lengthCount).CopyTo(bigger);
            ArrayPool<long>.Shared.Return(_lengths);
            _lengths = bigger;
        }

        return _lengthCount++;
    }

    /// <summary>
    /// The VR to put on the wire. No VR (an implicit-VR source with a tag the dictionary lacks) becomes UN. A value longer
    /// than a 16-bit length can say is written as UN with a 32-bit length, as PS3.5 6.2.2 prescribes for such values
    /// (rather than refusing the data set); like every UN value its bytes are little endian, even in a big-endian syntax.
    /// </summary>
    private DicomVR WireVR(DicomElement element, long evenLength)
    {
        var vr = element.VR;
        if (!vr.IsKnown())
        {
            return DicomVR.UN;
        }

        return _explicitVR && evenLength > MaxShortLength && !vr.HasLongExplicitLength() ? DicomVR.UN : vr;
    }

    private long HeaderLength(DicomVR vr) => !_explicitVR ? 8 : vr.HasLongExplicitLength() ? 12 : 8;

    private static long Even(long length) => length + (length & 1);

    private bool Skip(DicomElement element, bool topLevel)
    {
        var tag = element.Tag;
        if (tag.Value == TrailingPadding)
        {
            // PS3.10 7.2: Data Set Trailing Padding has no meaning; a rewrite drops it.
            return true;
        }

        if (tag.Group == 0xFFFE)
        {
            throw new DicomException($"{tag} is an item or delimiter tag (PS3.5 7.5), not a data element; it cannot be written as one.");
        }

        return topLevel && SkipFileMetaGroup && tag.IsFileMeta;
    }

    private static long CheckDefined(long length, DicomTag tag) => length <= MaxDefinedLength
        ? length
        : throw new DicomException($"{DicomDataset.Describe(tag)}: its content is {length} bytes, more than a defined 32-bit length can say (PS3.5 7.1.1); write it with undefined length.");

    private static DicomException MissingSource(DicomTag tag, DicomBulkDataReference bulk) => new(
        $"{DicomDataset.Describe(tag)} is bulk data ({bulk.Length} bytes at offset {bulk.Offset}) with no source to copy it from; set DicomWriteOptions.BulkDataSource.");
}
