using System.Buffers.Binary;
using System.Text;
using Pacs.Dicom.Tests.Imaging;

namespace Pacs.Dicom.Tests.Codecs;

/// <summary>RLE Lossless against the shared corpus: files compressed by other toolkits, and our output read back by DCMTK.</summary>
public sealed class RleCorpusTests
{
    [Theory]
    [InlineData("transfer-syntaxes/MR_small_RLE.dcm", "transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/emri_small_RLE.dcm", "multiframe/emri_small.dcm")]
    [InlineData("multiframe/SC_rgb_rle_2frame.dcm", "multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_rle_16bit_2frame.dcm", "multiframe/SC_rgb_16bit_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_rle_32bit_2frame.dcm", "multiframe/SC_rgb_32bit_2frame.dcm")]
    [InlineData("pixel-formats/SC_rgb_rle_16bit.dcm", "pixel-formats/SC_rgb_16bit.dcm")]
    [InlineData("pixel-formats/SC_rgb_rle_32bit.dcm", "pixel-formats/SC_rgb_32bit.dcm")]
    [InlineData("multiframe/rtdose_rle.dcm", "multiframe/rtdose.dcm")]
    [InlineData("multiframe/liver_rle.dcm", "multiframe/liver.dcm")]
    public void Decoded_frames_equal_the_native_counterpart_and_survive_re_encoding(string rleFile, string nativeFile)
    {
        var rle = Pixels(rleFile);
        var native = Pixels(nativeFile);

        Assert.Equal(native.NumberOfFrames, rle.NumberOfFrames);
        for (var i = 0; i < rle.NumberOfFrames; i++)
        {
            var expected = native.ReadFrame(i);
            var decoded = Decode(rle, rle.ReadFrame(i));
            Assert.Equal(expected, decoded);

            var reencoded = RleCodec.Encode(decoded, rle.Rows, rle.Columns, rle.SamplesPerPixel, rle.BitsAllocated);
            Assert.Equal(expected, Decode(rle, reencoded));
        }
    }

    [Fact]
    public void First_frame_of_the_two_frame_palette_ultrasound_is_the_single_frame_original()
    {
        var rle = Pixels("multiframe/OBXXXX1A_rle_2frame.dcm");
        var native = Pixels("pixel-formats/OBXXXX1A.dcm");

        Assert.Equal(native.ReadFrame(0), Decode(rle, rle.ReadFrame(0)));
    }

    [Fact]
    public void Colour_by_plane_encodes_and_decodes_to_the_same_image_as_colour_by_pixel()
    {
        var planar = Pixels("pixel-formats/color-pl.dcm");
        var interleaved = Pixels("pixel-formats/color-px.dcm");
        Assert.Equal(1, planar.PlanarConfiguration);

        var encoded = RleCodec.Encode(planar.ReadFrame(0), planar.Rows, planar.Columns, 3, 8, planar: true);

        Assert.Equal(planar.ReadFrame(0), RleCodec.Decode(encoded, planar.Rows, planar.Columns, 3, 8, planar: true));
        Assert.Equal(interleaved.ReadFrame(0), RleCodec.Decode(encoded, planar.Rows, planar.Columns, 3, 8));
    }

    [Theory]
    [InlineData("transfer-syntaxes/MR_small.dcm")]
    [InlineData("multiframe/emri_small.dcm")]
    [InlineData("multiframe/SC_rgb_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_16bit_2frame.dcm")]
    [InlineData("multiframe/SC_rgb_32bit_2frame.dcm")]
    [InlineData("multiframe/rtdose.dcm")]
    [InlineData("valid/CT_small.dcm")]
    public void Our_RLE_is_decoded_by_DCMTK_to_the_original_pixels(string nativeFile)
    {
        var native = Pixels(nativeFile);
        var frames = Enumerable.Range(0, native.NumberOfFrames)
            .Select(i => RleCodec.Encode(native.ReadFrame(i), native.Rows, native.Columns, native.SamplesPerPixel, native.BitsAllocated))
            .ToList();
        var directory = Directory.CreateTempSubdirectory("pacs-rle-");
        try
        {
            var compressed = Path.Combine(directory.FullName, "rle.dcm");
            var decompressed = Path.Combine(directory.FullName, "native.dcm");
            File.WriteAllBytes(compressed, RleFile(native, frames));

            PydicomFrames.Run("dcmdrle", [compressed, decompressed], TimeSpan.FromMinutes(1));

            var dcmtk = DicomFile.Open(decompressed);
            var roundTrip = DicomPixelData.FromDataset(dcmtk.Dataset, dcmtk.TransferSyntax);
            Assert.False(roundTrip.IsEncapsulated);
            Assert.Equal(native.NumberOfFrames, roundTrip.NumberOfFrames);
            for (var i = 0; i < native.NumberOfFrames; i++)
            {
                Assert.Equal(native.ReadFrame(i), roundTrip.ReadFrame(i));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static DicomPixelData Pixels(string file)
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        return DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);
    }

    private static byte[] Decode(DicomPixelData pixels, byte[] frame) =>
        RleCodec.Decode(frame, pixels.Rows, pixels.Columns, pixels.SamplesPerPixel, pixels.BitsAllocated, pixels.PlanarConfiguration == 1);

    /// <summary>
    /// A minimal PS3.10 file in RLE Lossless: meta group, the Image Pixel attributes of <paramref name="native"/> and the
    /// frames as fragments after an empty Basic Offset Table (PS3.5 A.4), written by hand so the test needs no writer.
    /// </summary>
    private static byte[] RleFile(DicomPixelData native, IReadOnlyList<byte[]> frames)
    {
        const string rleLossless = "1.2.840.10008.1.2.5";
        const string secondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
        const string instance = "2.25.301741846236520327946546150516385236271";

        using var meta = new MemoryStream();
        Element(meta, 0x0002, 0x0001, "OB", [0x00, 0x01]);
        Element(meta, 0x0002, 0x0002, "UI", Uid(secondaryCapture));
        Element(meta, 0x0002, 0x0003, "UI", Uid(instance));
        Element(meta, 0x0002, 0x0010, "UI", Uid(rleLossless));

        using var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        Element(file, 0x0002, 0x0000, "UL", BitConverter.GetBytes((uint)meta.Length));
        meta.WriteTo(file);

        Element(file, 0x0008, 0x0016, "UI", Uid(secondaryCapture));
        Element(file, 0x0008, 0x0018, "UI", Uid(instance));
        Element(file, 0x0028, 0x0002, "US", UShort(native.SamplesPerPixel));
        Element(file, 0x0028, 0x0004, "CS", Text(native.PhotometricInterpretation));
        if (native.SamplesPerPixel > 1)
        {
            Element(file, 0x0028, 0x0006, "US", UShort(0));
        }

        Element(file, 0x0028, 0x0008, "IS", Text(native.NumberOfFrames.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Element(file, 0x0028, 0x0010, "US", UShort(native.Rows));
        Element(file, 0x0028, 0x0011, "US", UShort(native.Columns));
        Element(file, 0x0028, 0x0100, "US", UShort(native.BitsAllocated));
        Element(file, 0x0028, 0x0101, "US", UShort(native.BitsAllocated));
        Element(file, 0x0028, 0x0102, "US", UShort(native.BitsAllocated - 1));
        Element(file, 0x0028, 0x0103, "US", UShort(0));

        Header(file, 0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
        Item(file, 0xE000, []);
        foreach (var frame in frames)
        {
            Item(file, 0xE000, frame);
        }

        Item(file, 0xE0DD, []);
        return file.ToArray();
    }

    private static void Element(Stream stream, ushort group, ushort element, string vr, byte[] value)
    {
        Header(stream, group, element, vr, (uint)value.Length);
        stream.Write(value);
    }

    private static void Header(Stream stream, ushort group, ushort element, string vr, uint length)
    {
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(head, group);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], element);
        head[4] = (byte)vr[0];
        head[5] = (byte)vr[1];
        if (vr is "OB" or "OW" or "UN" or "SQ")
        {
            // PS3.5 7.1.2: these VRs have two reserved bytes and a 32-bit length.
            head[6] = head[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], length);
            stream.Write(head);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head[6..], (ushort)length);
            stream.Write(head[..8]);
        }
    }

    private static void Item(Stream stream, ushort element, byte[] value)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(head, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)value.Length);
        stream.Write(head);
        stream.Write(value);
    }

    private static byte[] Uid(string uid) => Pad(Encoding.ASCII.GetBytes(uid), 0);

    private static byte[] Text(string text) => Pad(Encoding.ASCII.GetBytes(text), (byte)' ');

    private static byte[] UShort(int value) => BitConverter.GetBytes((ushort)value);

    private static byte[] Pad(byte[] bytes, byte padding) => bytes.Length % 2 == 0 ? bytes : [.. bytes, padding];
}
