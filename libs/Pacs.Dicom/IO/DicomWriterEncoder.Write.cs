using System.Buffers.Binary;

namespace Pacs.Dicom;

/// <summary>The encoder's second pass: the bytes, with the lengths the first pass recorded.</summary>
internal sealed partial class DicomWriterEncoder
{
    // ------------------------------------------------------------------ pass 2: bytes

    private async ValueTask WriteDatasetAsync(DicomDataset dataset, DicomWriterOutput output, bool topLevel, bool useAsync)
    {
        var elements = dataset.Elements;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            if (Skip(element, topLevel))
            {
                continue;
            }

            // Most elements are small and fit in the buffer: write them without entering an async method, so that no
            // state machine is created per element (in Debug builds those are heap objects).
            if (TryWriteInline(element, output))
            {
                continue;
            }

            await output.EnsureAsync(16, useAsync).ConfigureAwait(false);
            if (element.Tag.IsGroupLength)
            {
                // With 16 bytes free the group length always fits now.
                TryWriteInline(element, output);
                continue;
            }

            switch (element)
            {
                case DicomSequence sequence:
                    await WriteSequenceAsync(sequence, output, useAsync).ConfigureAwait(false);
                    break;
                case DicomFragmentSequence fragments:
                    await WriteFragmentsAsync(fragments, output, useAsync).ConfigureAwait(false);
                    break;
                default:
                    await WriteValueElementAsync(element, output, useAsync).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Writes a group length or a small in-memory value when header and value fit in the buffer as it is.</summary>
    private bool TryWriteInline(DicomElement element, DicomWriterOutput output)
    {
        if (element.Tag.IsGroupLength)
        {
            if (!output.HasRoom(16))
            {
                return false;
            }

            WriteHeader(output, element.Tag, DicomVR.UL, 4);
            WriteUInt32(output.Take(4), (uint)_lengths[_lengthCursor++]);
            return true;
        }

        if (element is DicomSequence or DicomFragmentSequence || element.BulkData is not null)
        {
            return false;
        }

        var length = element.Value.Length;
        var even = length + (length & 1);
        if (!output.HasRoom(12 + even))
        {
            return false;
        }

        var wireVR = WireVR(element, even);
        WriteHeader(output, element.Tag, wireVR, (uint)even);
        var span = output.Take(even);
        element.Value.Span.CopyTo(span);
        if (_bigEndian && wireVR != DicomVR.UN)
        {
            DicomWriterOutput.Swap(span[..length], element.VR.ByteSwapUnit());
        }

        if (length != even)
        {
            // PS3.5 7.1.1: even value lengths; the VR says which byte pads (PS3.5 6.2).
            span[length] = element.VR.PaddingByte();
        }

        return true;
    }

    private async ValueTask WriteSequenceAsync(DicomSequence sequence, DicomWriterOutput output, bool useAsync)
    {
        WriteHeader(output, sequence.Tag, DicomVR.SQ, sequence.UndefinedLength ? UndefinedLength : (uint)_lengths[_lengthCursor++]);
        var items = sequence.Items;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var itemUndefined = item.EncodedLength < 0;
            await output.EnsureAsync(8, useAsync).ConfigureAwait(false);
            WriteItemHeader(output.Take(8), DicomTag.Item, itemUndefined ? UndefinedLength : (uint)_lengths[_lengthCursor++]);
            await WriteDatasetAsync(item, output, topLevel: false, useAsync).ConfigureAwait(false);
            if (itemUndefined)
            {
                await output.EnsureAsync(8, useAsync).ConfigureAwait(false);
                WriteItemHeader(output.Take(8), DicomTag.ItemDelimitationItem, 0);
            }
        }

        if (sequence.UndefinedLength)
        {
            await output.EnsureAsync(8, useAsync).ConfigureAwait(false);
            WriteItemHeader(output.Take(8), DicomTag.SequenceDelimitationItem, 0);
        }
    }

    private async ValueTask WriteFragmentsAsync(DicomFragmentSequence fragments, DicomWriterOutput output, bool useAsync)
    {
        WriteHeader(output, fragments.Tag, fragments.VR is DicomVR.OB or DicomVR.OW ? fragments.VR : DicomVR.OB, UndefinedLength);
        var list = fragments.Fragments;
        var offsetTable = fragments.OffsetTable;
        if (offsetTable.BulkData is null && offsetTable.Data.Length >= 4 && HasOddFragment(list))
        {
            offsetTable = new DicomFragment(offsetTable.ItemOffset, offsetTable.Length, ShiftOffsets(offsetTable.Data.Span, list));
        }

        await WriteFragmentAsync(offsetTable, fragments.Tag, output, useAsync).ConfigureAwait(false);
        for (var i = 0; i < list.Count; i++)
        {
            await WriteFragmentAsync(list[i], fragments.Tag, output, useAsync).ConfigureAwait(false);
        }

        await output.EnsureAsync(8, useAsync).ConfigureAwait(false);
        WriteItemHeader(output.Take(8), DicomTag.SequenceDelimitationItem, 0);
    }

    private static bool HasOddFragment(IReadOnlyList<DicomFragment> fragments)
    {
        for (var i = 0; i < fragments.Count; i++)
        {
            if (((fragments[i].BulkData?.Length ?? fragments[i].Data.Length) & 1) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The Basic Offset Table after odd fragments were padded (PS3.5 A.4): each entry that pointed at a fragment's item
    /// tag points at it again, moved by the padding bytes before it. Entries that match no fragment are kept as they were.
    /// </summary>
    private static byte[] ShiftOffsets(ReadOnlySpan<byte> table, IReadOnlyList<DicomFragment> fragments)
    {
        var result = table.ToArray();
        for (var e = 0; e + 4 <= result.Length; e += 4)
        {
            var entry = BinaryPrimitives.ReadUInt32LittleEndian(result.AsSpan(e));
            long before = 0;
            long after = 0;
            for (var i = 0; i < fragments.Count && before <= entry; i++)
            {
                if (before == entry)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(e), (uint)after);
                    break;
                }

                var length = fragments[i].BulkData?.Length ?? fragments[i].Data.Length;
                before += 8 + length;
                after += 8 + Even(length);
            }
        }

        return result;
    }

    private async ValueTask WriteFragmentAsync(DicomFragment fragment, DicomTag tag, DicomWriterOutput output, bool useAsync)
    {
        var length = fragment.BulkData?.Length ?? fragment.Data.Length;
        await output.EnsureAsync(8, useAsync).ConfigureAwait(false);

        // PS3.5 A.4: fragment items have even lengths; a compressed stream of odd length gets one trailing NUL.
        WriteItemHeader(output.Take(8), DicomTag.Item, (uint)Even(length));
        if (fragment.BulkData is { } bulk)
        {
            await CopyBulkDataAsync(bulk, tag, swapUnit: 0, output, useAsync).ConfigureAwait(false);
        }
        else
        {
            await output.WriteAsync(fragment.Data, swapUnit: 0, useAsync).ConfigureAwait(false);
        }

        await PadAsync(length, 0, output, useAsync).ConfigureAwait(false);
    }

    private async ValueTask WriteValueElementAsync(DicomElement element, DicomWriterOutput output, bool useAsync)
    {
        var length = element.Length;
        var even = Even(length);
        var wireVR = WireVR(element, even);
        WriteHeader(output, element.Tag, wireVR, (uint)even);

        // PS3.5 6.2.2: a UN value is little endian whatever the transfer syntax and is never swapped.
        var valueBigEndian = _bigEndian && wireVR != DicomVR.UN;
        if (element.BulkData is { } bulk)
        {
            // Source and target byte orders differ: swap while copying, per the element's own VR (PS3.5 7.3).
            var swapUnit = bulk.BigEndian != valueBigEndian ? element.VR.ByteSwapUnit() : 0;
            await CopyBulkDataAsync(bulk, element.Tag, swapUnit, output, useAsync).ConfigureAwait(false);
        }
        else if (length > 0)
        {
            await output.WriteAsync(element.Value, valueBigEndian ? element.VR.ByteSwapUnit() : 0, useAsync).ConfigureAwait(false);
        }

        // PS3.5 7.1.1: every value field has an even length; the VR says which byte pads (PS3.5 6.2).
        await PadAsync(length, element.VR.PaddingByte(), output, useAsync).ConfigureAwait(false);
    }

    private async ValueTask CopyBulkDataAsync(DicomBulkDataReference bulk, DicomTag tag, int swapUnit, DicomWriterOutput output, bool useAsync)
    {
        var source = bulk.Source ?? _bulkDataSource ?? throw MissingSource(tag, bulk);
        var stream = source.OpenRange(bulk.Offset, bulk.Length);
        try
        {
            if (!await output.CopyFromAsync(stream, bulk.Length, swapUnit, useAsync).ConfigureAwait(false))
            {
                throw new DicomException(
                    $"{DicomDataset.Describe(tag)}: its bulk data source ended before the {bulk.Length} bytes at offset {bulk.Offset} were read; the source changed or is truncated.");
            }
        }
        finally
        {
            if (useAsync)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                stream.Dispose();
            }
        }
    }

    private static async ValueTask PadAsync(long length, byte padding, DicomWriterOutput output, bool useAsync)
    {
        if ((length & 1) != 0)
        {
            await output.EnsureAsync(1, useAsync).ConfigureAwait(false);
            output.Take(1)[0] = padding;
        }
    }

    // ------------------------------------------------------------------ encoding of headers

    /// <summary>Element header: tag, then (explicit VR) the VR and a 16- or 32-bit length, or (implicit VR) a 32-bit length.</summary>
    private void WriteHeader(DicomWriterOutput output, DicomTag tag, DicomVR vr, uint length)
    {
        if (!_explicitVR)
        {
            var span = output.Take(8);
            WriteTag(span, tag);
            WriteUInt32(span[4..], length);
            return;
        }

        if (vr.HasLongExplicitLength())
        {
            // PS3.5 7.1.2: VR, two reserved bytes of 0000H, 32-bit length.
            var span = output.Take(12);
            WriteTag(span, tag);
            span[4] = (byte)((ushort)vr >> 8);
            span[5] = (byte)vr;
            span[6] = 0;
            span[7] = 0;
            WriteUInt32(span[8..], length);
        }
        else
        {
            var span = output.Take(8);
            WriteTag(span, tag);
            span[4] = (byte)((ushort)vr >> 8);
            span[5] = (byte)vr;
            if (_bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)length);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)length);
            }
        }
    }

    /// <summary>Item and delimiter headers (PS3.5 7.5): tag and 32-bit length, never a VR, in the target byte order.</summary>
    private void WriteItemHeader(Span<byte> span, DicomTag tag, uint length)
    {
        WriteTag(span, tag);
        WriteUInt32(span[4..], length);
    }

    private void WriteTag(Span<byte> span, DicomTag tag)
    {
        if (_bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], tag.Element);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], tag.Element);
        }
    }

    private void WriteUInt32(Span<byte> span, uint value)
    {
        if (_bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        }
    }
}
