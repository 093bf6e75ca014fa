using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>
/// Reads the few attribute types rendering needs, also when an element arrived as UN (Implicit VR data read without
/// a dictionary entry): then the value bytes are taken as the VR the attribute is defined with in PS3.6.
/// </summary>
internal static class DatasetValues
{
    /// <summary>Largest lookup table value loaded from a bulk data reference (a 16-bit LUT of 65536 entries is 128 KiB).</summary>
    private const long MaxLookupTableBytes = 4 * 1024 * 1024;

    /// <summary>A US value (or the 16 raw bits of an SS or UN value).</summary>
    public static int? UInt16(DicomDataset dataset, DicomTag tag, int index = 0)
    {
        var element = dataset.Get(tag);
        if (element is null || element.IsBulkData)
        {
            return null;
        }

        if (element.VR is DicomVR.US or DicomVR.SS or DicomVR.UN or DicomVR.OW or DicomVR.OB)
        {
            var span = element.Value.Span;
            return span.Length >= (index + 1) * 2 ? BinaryPrimitives.ReadUInt16LittleEndian(span[(index * 2)..]) : null;
        }

        var value = dataset.GetInt64(tag, index);
        return value is >= 0 and <= ushort.MaxValue ? (int)value : null;
    }

    /// <summary>A text value (CS, DS, IS …), trimmed; UN bytes decoded as ASCII.</summary>
    public static string? Text(DicomDataset dataset, DicomTag tag, int index = 0)
    {
        var element = dataset.Get(tag);
        if (element is null || element.IsBulkData || element.Length == 0)
        {
            return null;
        }

        if (element.VR == DicomVR.UN)
        {
            var parts = Encoding.Latin1.GetString(element.Value.Span).Split('\\');
            return index < parts.Length ? parts[index].Trim(' ', '\0') : null;
        }

        return element.VR.IsString() ? dataset.GetString(tag, index) : null;
    }

    /// <summary>A DS or IS number (or FL/FD/integer binary); null when absent or not a number.</summary>
    public static double? Number(DicomDataset dataset, DicomTag tag, int index = 0)
    {
        var element = dataset.Get(tag);
        if (element is null)
        {
            return null;
        }

        if (element.VR == DicomVR.UN || element.VR.IsString())
        {
            var text = Text(dataset, tag, index);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;
        }

        var value = dataset.GetDouble(tag, index);
        return value is { } v && double.IsFinite(v) ? v : null;
    }

    /// <summary>
    /// The bytes of a binary value (little-endian), loading it from its bulk data source when the reader left it there.
    /// Null when absent or not loadable.
    /// </summary>
    public static byte[]? Bytes(DicomDataset dataset, DicomTag tag)
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

        if (bulk.Source is null || bulk.Length > MaxLookupTableBytes)
        {
            return null;
        }

        var bytes = new byte[bulk.Length];
        using (var stream = bulk.Source.OpenRange(bulk.Offset, bulk.Length))
        {
            stream.ReadExactly(bytes);
        }

        if (bulk.BigEndian)
        {
            // Lookup table data is OW (or US/SS): 16-bit words.
            for (var i = 0; i + 1 < bytes.Length; i += 2)
            {
                (bytes[i], bytes[i + 1]) = (bytes[i + 1], bytes[i]);
            }
        }

        return bytes;
    }
}
