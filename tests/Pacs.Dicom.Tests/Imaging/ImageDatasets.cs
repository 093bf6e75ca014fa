using System.Buffers.Binary;

namespace Pacs.Dicom.Tests.Imaging;

/// <summary>Hand-built image data sets and encapsulated pixel data laid out in a byte array, as a reader would have recorded them.</summary>
internal static class ImageDatasets
{
    public static readonly DicomTag SamplesPerPixel = new(0x00280002);
    public static readonly DicomTag PhotometricInterpretation = new(0x00280004);
    public static readonly DicomTag PlanarConfiguration = new(0x00280006);
    public static readonly DicomTag NumberOfFrames = new(0x00280008);
    public static readonly DicomTag Rows = new(0x00280010);
    public static readonly DicomTag Columns = new(0x00280011);
    public static readonly DicomTag BitsAllocated = new(0x00280100);
    public static readonly DicomTag ExtendedOffsetTable = new(0x7FE00001);
    public static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE00002);

    /// <summary>The Image Pixel attributes; <paramref name="frames"/> null leaves Number of Frames out.</summary>
    public static DicomDataset Image(int rows, int columns, int bitsAllocated, int samples = 1, int? frames = null, int planar = 0, string photometric = "MONOCHROME2")
    {
        var dataset = new DicomDataset();
        dataset.SetValues(SamplesPerPixel, DicomVR.US, (ushort)samples);
        dataset.Set(PhotometricInterpretation, DicomVR.CS, photometric);
        if (samples > 1)
        {
            dataset.SetValues(PlanarConfiguration, DicomVR.US, (ushort)planar);
        }

        if (frames is { } n)
        {
            dataset.Set(NumberOfFrames, DicomVR.IS, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        dataset.SetValues(Rows, DicomVR.US, (ushort)rows);
        dataset.SetValues(Columns, DicomVR.US, (ushort)columns);
        dataset.SetValues(BitsAllocated, DicomVR.US, (ushort)bitsAllocated);
        return dataset;
    }

    /// <summary>Bytes 0, 1, 2 … (mod 251, so that frames differ from each other).</summary>
    public static byte[] Counting(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    /// <summary>
    /// Lays out encapsulated pixel data in a "file": some header bytes, then the Basic Offset Table item, the fragment
    /// items and the sequence delimiter (PS3.5 A.4), and builds the fragment sequence with the offsets a reader records.
    /// </summary>
    public static (byte[] File, DicomFragmentSequence Pixels) Encapsulate(byte[] basicOffsetTable, IReadOnlyList<byte[]> fragments, bool asBulkData = false, long valueOffset = 300)
    {
        using var file = new MemoryStream();
        file.Write(new byte[valueOffset]);
        WriteItem(file, basicOffsetTable);
        var botItemOffset = valueOffset;
        var list = new List<DicomFragment>();
        var source = new MemoryBulkDataSource(() => file.ToArray());
        foreach (var fragment in fragments)
        {
            var itemOffset = file.Position;
            WriteItem(file, fragment);
            list.Add(asBulkData
                ? new DicomFragment(itemOffset, new DicomBulkDataReference(itemOffset + 8, fragment.Length) { Source = source })
                : new DicomFragment(itemOffset, fragment.Length, fragment));
        }

        file.Write([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var bytes = file.ToArray();
        source.Freeze(bytes);
        var pixels = new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, new DicomFragment(botItemOffset, basicOffsetTable.Length, basicOffsetTable), list, valueOffset);
        return (bytes, pixels);
    }

    public static byte[] BasicOffsets(params uint[] offsets)
    {
        var bytes = new byte[offsets.Length * 4];
        for (var i = 0; i < offsets.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), offsets[i]);
        }

        return bytes;
    }

    public static ulong[] Longs(params ulong[] values) => values;

    /// <summary>A fragment whose first bytes are the given marker, then filler.</summary>
    public static byte[] Fragment(byte[] marker, int length, byte fill)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, fill);
        marker.CopyTo(bytes, 0);
        return bytes;
    }

    public static readonly byte[] JpegStart = [0xFF, 0xD8, 0xFF, 0xE0];
    public static readonly byte[] J2kStart = [0xFF, 0x4F, 0xFF, 0x51];
    public static readonly byte[] Jp2Start = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    private static void WriteItem(Stream stream, byte[] value)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(head, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], 0xE000);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)value.Length);
        stream.Write(head);
        stream.Write(value);
    }
}

/// <summary>A byte array as a bulk data source; counts the ranges opened.</summary>
internal sealed class MemoryBulkDataSource : IDicomBulkDataSource
{
    private Func<byte[]> _bytes;

    public MemoryBulkDataSource(byte[] bytes) => _bytes = () => bytes;

    public MemoryBulkDataSource(Func<byte[]> bytes) => _bytes = bytes;

    public int RangesOpened { get; private set; }

    public void Freeze(byte[] bytes) => _bytes = () => bytes;

    public Stream OpenRange(long offset, long length)
    {
        RangesOpened++;
        return new MemoryStream(_bytes(), (int)offset, (int)length, writable: false);
    }
}
