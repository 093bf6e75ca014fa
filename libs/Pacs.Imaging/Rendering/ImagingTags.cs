using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>The PS3.6 tags rendering reads, spelled out here so this library does not wait on the generated dictionary.</summary>
internal static class ImagingTags
{
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    public static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    public static readonly DicomTag WindowCenter = new(0x0028, 0x1050);
    public static readonly DicomTag WindowWidth = new(0x0028, 0x1051);
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    public static readonly DicomTag VoiLutFunction = new(0x0028, 0x1056);
    public static readonly DicomTag RedPaletteDescriptor = new(0x0028, 0x1101);
    public static readonly DicomTag GreenPaletteDescriptor = new(0x0028, 0x1102);
    public static readonly DicomTag BluePaletteDescriptor = new(0x0028, 0x1103);
    public static readonly DicomTag RedPaletteData = new(0x0028, 0x1201);
    public static readonly DicomTag GreenPaletteData = new(0x0028, 0x1202);
    public static readonly DicomTag BluePaletteData = new(0x0028, 0x1203);
    public static readonly DicomTag SegmentedRedPaletteData = new(0x0028, 0x1221);
    public static readonly DicomTag SegmentedGreenPaletteData = new(0x0028, 0x1222);
    public static readonly DicomTag SegmentedBluePaletteData = new(0x0028, 0x1223);
    public static readonly DicomTag ModalityLutSequence = new(0x0028, 0x3000);
    public static readonly DicomTag LutDescriptor = new(0x0028, 0x3002);
    public static readonly DicomTag LutData = new(0x0028, 0x3006);
    public static readonly DicomTag VoiLutSequence = new(0x0028, 0x3010);
    public static readonly DicomTag PresentationLutShape = new(0x2050, 0x0020);
    public static readonly DicomTag FloatPixelData = new(0x7FE0, 0x0008);
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE0, 0x0009);
}
