// PLACEHOLDER until the generator writes this file from ../shared/dicom-dictionary/elements.tsv.
namespace Pacs.Dicom;

public readonly partial struct DicomTag
{
    public static readonly DicomTag SpecificCharacterSet = new(0x00080005);
    public static readonly DicomTag TransferSyntaxUID = new(0x00020010);
    public static readonly DicomTag PixelData = new(0x7FE00010);
}
public readonly partial struct DicomTag
{
    public static readonly DicomTag SOPInstanceUID = new(0x00080018);
    public static readonly DicomTag SOPClassUID = new(0x00080016);
    public static readonly DicomTag MediaStorageSOPInstanceUID = new(0x00020003);
    public static readonly DicomTag MediaStorageSOPClassUID = new(0x00020002);
}
public readonly partial struct DicomTag
{
    public static readonly DicomTag FileMetaInformationGroupLength = new(0x00020000);
    public static readonly DicomTag FloatPixelData = new(0x7FE00008);
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE00009);
    public static readonly DicomTag PixelRepresentation = new(0x00280103);
}
