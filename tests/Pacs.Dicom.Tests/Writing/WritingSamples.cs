using System.Text;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>Data sets built in memory for the writer's tests, with the tags they use spelled out (no dictionary needed).</summary>
internal static class WritingSamples
{
    public const string SopClassUid = "1.2.840.10008.5.1.4.1.1.7";
    public const string SopInstanceUid = "1.2.826.0.1.3680043.2.1125.1.1";

    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);
    public static readonly DicomTag ImageType = new(0x0008, 0x0008);
    public static readonly DicomTag SopClass = new(0x0008, 0x0016);
    public static readonly DicomTag SopInstance = new(0x0008, 0x0018);
    public static readonly DicomTag StudyDate = new(0x0008, 0x0020);
    public static readonly DicomTag Modality = new(0x0008, 0x0060);
    public static readonly DicomTag ReferencedImageSequence = new(0x0008, 0x1140);
    public static readonly DicomTag ReferencedSopClass = new(0x0008, 0x1150);
    public static readonly DicomTag ReferencedSopInstance = new(0x0008, 0x1155);
    public static readonly DicomTag ReferencedFrameNumber = new(0x0008, 0x1160);
    public static readonly DicomTag PatientName = new(0x0010, 0x0010);
    public static readonly DicomTag PatientId = new(0x0010, 0x0020);
    public static readonly DicomTag PatientComments = new(0x0010, 0x4000);
    public static readonly DicomTag SliceThickness = new(0x0018, 0x0050);
    public static readonly DicomTag StudyInstanceUid = new(0x0020, 0x000D);
    public static readonly DicomTag InstanceNumber = new(0x0020, 0x0013);
    public static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);
    public static readonly DicomTag FrameIncrementPointer = new(0x0028, 0x0009);
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly DicomTag RealWorldValueMappingSequence = new(0x0040, 0x9096);
    public static readonly DicomTag RealWorldValueFirstValueMapped = new(0x0040, 0x9216);
    public static readonly DicomTag RealWorldValueSlope = new(0x0040, 0x9225);
    public static readonly DicomTag LutLabel = new(0x0040, 0x9210);
    public static readonly DicomTag PrivateCreator = new(0x0009, 0x0010);
    public static readonly DicomTag PrivateValue = new(0x0009, 0x1001);
    public static readonly DicomTag PrivateLongs = new(0x0009, 0x1002);
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    public static readonly DicomTag TrailingPadding = new(0xFFFC, 0xFFFC);

    /// <summary>
    /// A small secondary capture image that exercises every encoding rule: text of odd length (padded), binary values of
    /// each width (swapped for big endian), AT, a private block, nested sequences of defined and undefined length, a
    /// non-ASCII name, and native 16-bit pixel data.
    /// </summary>
    public static DicomDataset Image(int rows = 4, int columns = 4)
    {
        var ds = new DicomDataset();
        ds.Set(SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.Set(ImageType, DicomVR.CS, "DERIVED", "SECONDARY");
        ds.Set(SopClass, DicomVR.UI, SopClassUid);
        ds.Set(SopInstance, DicomVR.UI, SopInstanceUid);
        ds.Set(StudyDate, DicomVR.DA, "20240229");
        ds.Set(Modality, DicomVR.CS, "OT");
        ds.Set(PatientName, DicomVR.PN, "Müller^Jürgen");
        ds.Set(PatientId, DicomVR.LO, "PID-0001");
        ds.Set(PatientComments, DicomVR.LT, "odd");
        ds.Set(SliceThickness, DicomVR.DS, "1.25");
        ds.Set(StudyInstanceUid, DicomVR.UI, "1.2.826.0.1.3680043.2.1125.1.2");
        ds.Set(InstanceNumber, DicomVR.IS, "7");
        ds.Set(ImagePositionPatient, DicomVR.DS, "-12.5", "30", "4.75");
        ds.SetTags(FrameIncrementPointer, new DicomTag(0x0018, 0x1063));
        ds.SetValues(SamplesPerPixel, DicomVR.US, (ushort)1);
        ds.Set(PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.SetValues(Rows, DicomVR.US, (ushort)rows);
        ds.SetValues(Columns, DicomVR.US, (ushort)columns);
        ds.SetValues(BitsAllocated, DicomVR.US, (ushort)16);
        ds.SetValues(BitsStored, DicomVR.US, (ushort)12);
        ds.SetValues(HighBit, DicomVR.US, (ushort)11);
        ds.SetValues(PixelRepresentation, DicomVR.US, (ushort)0);
        ds.Set(RescaleIntercept, DicomVR.DS, "-1024");
        ds.Set(PrivateCreator, DicomVR.LO, "PACS TEST");
        ds.Set(PrivateValue, DicomVR.LO, "private text");
        ds.SetValues(PrivateLongs, DicomVR.SL, -5, 70000);

        var mapping = new DicomDataset();
        mapping.SetValues(RealWorldValueFirstValueMapped, DicomVR.US, (ushort)0);
        mapping.Set(LutLabel, DicomVR.SH, "HU");
        mapping.SetValues(RealWorldValueSlope, DicomVR.FD, 0.5);
        ds.Set(new DicomSequence(RealWorldValueMappingSequence, [mapping], undefinedLength: false));

        var reference = new DicomDataset { EncodedLength = 0 };
        reference.Set(ReferencedSopClass, DicomVR.UI, SopClassUid);
        reference.Set(ReferencedSopInstance, DicomVR.UI, "1.2.3.4.5");
        reference.Set(ReferencedFrameNumber, DicomVR.IS, "1", "2");
        var undefinedItem = new DicomDataset();
        undefinedItem.Set(ReferencedSopClass, DicomVR.UI, SopClassUid);
        ds.Set(new DicomSequence(ReferencedImageSequence, [reference, undefinedItem], undefinedLength: true));

        var pixels = new ushort[rows * columns];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (ushort)((i * 37) & 0x0FFF);
        }

        ds.SetValues(PixelData, DicomVR.OW, pixels);
        return ds;
    }

    public static DicomFile File(DicomDataset dataset, DicomTransferSyntax transferSyntax) =>
        new(new DicomDataset(), dataset) { TransferSyntax = transferSyntax };

    public static byte[] WriteToBytes(DicomFile file, DicomWriteOptions? options = null)
    {
        using var stream = new MemoryStream();
        file.Write(stream, options);
        return stream.ToArray();
    }

    public static DicomFile ReadBack(byte[] bytes, DicomReadOptions? options = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return DicomFile.Read(stream, options);
    }

    public static string Ascii(ReadOnlyMemory<byte> value) => Encoding.ASCII.GetString(value.Span);

    public static readonly DicomTransferSyntax[] Uncompressed =
    [
        DicomTransferSyntax.ImplicitVRLittleEndian,
        DicomTransferSyntax.ExplicitVRLittleEndian,
        DicomTransferSyntax.ExplicitVRBigEndian,
        DicomTransferSyntax.DeflatedExplicitVRLittleEndian,
    ];

    public static DicomTransferSyntax Syntax(string uid) => DicomTransferSyntax.Lookup(uid);
}
