using System.Runtime.InteropServices;
using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Rendering;

/// <summary>Builds small image data sets and frames for rendering tests.</summary>
internal static class Datasets
{
    public static DicomDataset Image(int rows, int columns, int bitsAllocated, int bitsStored, int highBit, bool signed = false, string photometric = "MONOCHROME2", int samples = 1, int planar = 0)
    {
        var ds = new DicomDataset();
        ds.SetValues(ImagingTags.SamplesPerPixel, DicomVR.US, (ushort)samples);
        ds.Set(ImagingTags.PhotometricInterpretation, DicomVR.CS, photometric);
        if (samples > 1)
        {
            ds.SetValues(ImagingTags.PlanarConfiguration, DicomVR.US, (ushort)planar);
        }

        ds.SetValues(ImagingTags.Rows, DicomVR.US, (ushort)rows);
        ds.SetValues(ImagingTags.Columns, DicomVR.US, (ushort)columns);
        ds.SetValues(ImagingTags.BitsAllocated, DicomVR.US, (ushort)bitsAllocated);
        ds.SetValues(ImagingTags.BitsStored, DicomVR.US, (ushort)bitsStored);
        ds.SetValues(ImagingTags.HighBit, DicomVR.US, (ushort)highBit);
        ds.SetValues(ImagingTags.PixelRepresentation, DicomVR.US, (ushort)(signed ? 1 : 0));
        return ds;
    }

    public static DicomDataset WithWindow(this DicomDataset ds, string center, string width, string? function = null)
    {
        ds.Set(ImagingTags.WindowCenter, DicomVR.DS, center);
        ds.Set(ImagingTags.WindowWidth, DicomVR.DS, width);
        if (function is not null)
        {
            ds.Set(ImagingTags.VoiLutFunction, DicomVR.CS, function);
        }

        return ds;
    }

    public static DicomDataset WithRescale(this DicomDataset ds, string slope, string intercept)
    {
        ds.Set(ImagingTags.RescaleSlope, DicomVR.DS, slope);
        ds.Set(ImagingTags.RescaleIntercept, DicomVR.DS, intercept);
        return ds;
    }

    public static byte[] Bytes(params ushort[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Bytes(params short[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Bytes(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
