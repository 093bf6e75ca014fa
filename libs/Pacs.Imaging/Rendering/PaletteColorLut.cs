using System.Buffers.Binary;
using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>
/// The red, green and blue Palette Color Lookup Tables of a PALETTE COLOR image (PS3.3 C.7.6.3.1.5–6), reduced to
/// 8-bit output, including the Segmented Palette Color LUT Data form (C.7.9.2).
/// </summary>
public sealed class PaletteColorLut
{
    public PaletteColorLut(int firstMapped, byte[] red, byte[] green, byte[] blue)
    {
        ArgumentNullException.ThrowIfNull(red);
        ArgumentNullException.ThrowIfNull(green);
        ArgumentNullException.ThrowIfNull(blue);
        FirstMapped = firstMapped;
        Red = red;
        Green = green;
        Blue = blue;
    }

    /// <summary>The stored pixel value that maps to the first entry.</summary>
    public int FirstMapped { get; }

    public byte[] Red { get; }

    public byte[] Green { get; }

    public byte[] Blue { get; }

    /// <summary>Reads the palette of a data set; throws when the PALETTE COLOR image carries none that can be used.</summary>
    internal static PaletteColorLut FromDataset(DicomDataset dataset, bool signedPixels)
    {
        var red = ReadChannel(dataset, ImagingTags.RedPaletteDescriptor, ImagingTags.RedPaletteData, ImagingTags.SegmentedRedPaletteData, "Red", signedPixels, out var firstRed);
        var green = ReadChannel(dataset, ImagingTags.GreenPaletteDescriptor, ImagingTags.GreenPaletteData, ImagingTags.SegmentedGreenPaletteData, "Green", signedPixels, out _);
        var blue = ReadChannel(dataset, ImagingTags.BluePaletteDescriptor, ImagingTags.BluePaletteData, ImagingTags.SegmentedBluePaletteData, "Blue", signedPixels, out _);

        // The three tables should have one length; if a file disagrees, the shortest decides and the rest is cut.
        var length = Math.Min(red.Length, Math.Min(green.Length, blue.Length));
        return new PaletteColorLut(firstRed, red[..length], green[..length], blue[..length]);
    }

    private static byte[] ReadChannel(DicomDataset dataset, DicomTag descriptorTag, DicomTag dataTag, DicomTag segmentedTag, string name, bool signedPixels, out int firstMapped)
    {
        var count = DatasetValues.UInt16(dataset, descriptorTag, 0);
        var first = DatasetValues.UInt16(dataset, descriptorTag, 1);
        var bits = DatasetValues.UInt16(dataset, descriptorTag, 2);
        if (count is null || first is null || bits is null)
        {
            throw new ImageRenderingException($"PALETTE COLOR image without a usable {name} Palette Color Lookup Table Descriptor {descriptorTag}.");
        }

        // C.7.6.3.1.5: 0 entries means 65536; the first mapped value is SS for signed pixels.
        var entries = count.Value == 0 ? 65536 : count.Value;
        firstMapped = signedPixels && first.Value > short.MaxValue ? (short)first.Value : first.Value;

        ushort[]? values;
        var data = DatasetValues.Bytes(dataset, dataTag);
        if (data is not null)
        {
            values = LookupTable.ReadEntries(data, entries, bits.Value);
        }
        else if (DatasetValues.Bytes(dataset, segmentedTag) is { } segmented)
        {
            values = ExpandSegments(segmented, entries);
        }
        else
        {
            throw new ImageRenderingException($"PALETTE COLOR image without {name} Palette Color Lookup Table Data {dataTag} or its segmented form {segmentedTag}.");
        }

        if (values is null)
        {
            throw new ImageRenderingException($"The {name} Palette Color Lookup Table Data is shorter than its descriptor's {entries} entries.");
        }

        // Entries are 8 or 16 bits (C.7.6.3.1.5). Some writers declare 16 bits and store 8-bit values: when no entry
        // exceeds 255 the values are taken as 8-bit so the image is not rendered black.
        var max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        var shift = bits.Value <= 8 || max <= 255 ? 0 : 8;
        var result = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (byte)Math.Min(255, values[i] >> shift);
        }

        return result;
    }

    /// <summary>
    /// PS3.3 C.7.9.2: segments of 16-bit words. Opcode 0 discrete (length, then that many values); 1 linear (length,
    /// then the end value, reached from the previous segment's last value in length steps); 2 indirect (count, then a
    /// 32-bit word offset, low word first, of earlier segments to replay).
    /// </summary>
    internal static ushort[] ExpandSegments(byte[] data, int entries)
    {
        var words = new ushort[data.Length / 2];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(i * 2));
        }

        var output = new List<ushort>(entries);
        Expand(words, 0, int.MaxValue, output, entries, depth: 0);
        if (output.Count < entries)
        {
            // A table that stops short keeps its last value for the rest of the inputs.
            var last = output.Count > 0 ? output[^1] : (ushort)0;
            while (output.Count < entries)
            {
                output.Add(last);
            }
        }

        return output.GetRange(0, entries).ToArray();
    }

    private static void Expand(ushort[] words, int position, int segmentCount, List<ushort> output, int entries, int depth)
    {
        if (depth > 2)
        {
            throw new ImageRenderingException("Segmented Palette Color LUT Data nests indirect segments too deeply.");
        }

        for (var segment = 0; segment < segmentCount && position + 1 < words.Length && output.Count < entries; segment++)
        {
            var opcode = words[position];
            var length = words[position + 1];
            switch (opcode)
            {
                case 0:
                    for (var i = 0; i < length && position + 2 + i < words.Length; i++)
                    {
                        output.Add(words[position + 2 + i]);
                    }

                    position += 2 + length;
                    break;
                case 1:
                    if (position + 2 >= words.Length)
                    {
                        return;
                    }

                    var start = output.Count > 0 ? output[^1] : words[position + 2];
                    var end = words[position + 2];
                    for (var i = 1; i <= length; i++)
                    {
                        output.Add((ushort)Math.Round(start + ((end - start) * (double)i / length)));
                    }

                    position += 3;
                    break;
                case 2:
                    if (position + 3 >= words.Length)
                    {
                        return;
                    }

                    // C.7.9.2.3: the offset counts bytes from the start of the segmented data.
                    var offset = words[position + 2] | (words[position + 3] << 16);
                    Expand(words, offset / 2, length, output, entries, depth + 1);
                    position += 4;
                    break;
                default:
                    throw new ImageRenderingException($"Segmented Palette Color LUT Data has an unknown segment opcode {opcode} at word {position}.");
            }
        }
    }
}
