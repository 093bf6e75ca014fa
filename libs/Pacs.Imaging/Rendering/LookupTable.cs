using System.Buffers.Binary;
using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>
/// A Modality LUT or VOI LUT item (PS3.3 C.11.1, C.11.2): LUT Descriptor (entries, first mapped input value, bits per
/// entry) and LUT Data. Inputs below the first mapped value give the first entry, inputs past the last give the last.
/// </summary>
public sealed class LookupTable
{
    public LookupTable(int firstMapped, int bitsPerEntry, ushort[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Length == 0)
        {
            throw new ArgumentException("A lookup table has at least one entry.", nameof(entries));
        }

        FirstMapped = firstMapped;
        BitsPerEntry = bitsPerEntry;
        Entries = entries;
    }

    /// <summary>The input value that maps to the first entry.</summary>
    public int FirstMapped { get; }

    /// <summary>Bits per entry as the descriptor says (8 to 16); the output range is 0 .. 2^bits − 1.</summary>
    public int BitsPerEntry { get; }

    public ushort[] Entries { get; }

    /// <summary>The largest output the table can give, 2^bits − 1.</summary>
    public int MaxOutput => (1 << BitsPerEntry) - 1;

    /// <summary>The entry for input <paramref name="x"/> (rounded to the nearest integer input).</summary>
    public int Lookup(double x)
    {
        var index = Math.Round(x) - FirstMapped;
        return index <= 0 ? Entries[0] : index >= Entries.Length - 1 ? Entries[^1] : Entries[(int)index];
    }

    /// <summary>
    /// Reads the first item of a Modality LUT Sequence or VOI LUT Sequence. <paramref name="signedInput"/> says whether
    /// the values it maps can be negative, so that a first mapped value written as US is read as signed (C.11.1.1.1).
    /// Null when the sequence is absent or its item is unusable.
    /// </summary>
    internal static LookupTable? FromSequence(DicomDataset dataset, DicomTag sequence, bool signedInput)
    {
        var items = dataset.GetSequence(sequence);
        if (items.Count == 0)
        {
            return null;
        }

        var item = items[0];
        var count = DatasetValues.UInt16(item, ImagingTags.LutDescriptor, 0);
        var first = DatasetValues.UInt16(item, ImagingTags.LutDescriptor, 1);
        var bits = DatasetValues.UInt16(item, ImagingTags.LutDescriptor, 2);
        var data = DatasetValues.Bytes(item, ImagingTags.LutData);
        if (count is null || first is null || bits is null || data is null)
        {
            return null;
        }

        var descriptorVR = item.Get(ImagingTags.LutDescriptor)!.VR;
        var firstMapped = descriptorVR == DicomVR.SS || (signedInput && first.Value > short.MaxValue) ? (short)first.Value : first.Value;
        var entries = ReadEntries(data, count.Value == 0 ? 65536 : count.Value, bits.Value);
        return entries is null ? null : new LookupTable(firstMapped, Math.Clamp(bits.Value, 1, 16), entries);
    }

    /// <summary>
    /// LUT Data as 16-bit words, one entry each; 8-bit tables packed two entries to a word are unpacked (byte order
    /// as stored, PS3.3 C.7.6.3.1.6).
    /// </summary>
    internal static ushort[]? ReadEntries(byte[] data, int count, int bits)
    {
        var entries = new ushort[count];
        if (data.Length >= count * 2)
        {
            for (var i = 0; i < count; i++)
            {
                entries[i] = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(i * 2));
            }

            return entries;
        }

        if (bits <= 8 && data.Length >= count)
        {
            for (var i = 0; i < count; i++)
            {
                entries[i] = data[i];
            }

            return entries;
        }

        return null;
    }
}
