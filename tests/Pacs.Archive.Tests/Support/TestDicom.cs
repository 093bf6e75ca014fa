using Pacs.Dicom;

namespace Pacs.Archive.Tests.Support;

/// <summary>Small PS3.10 objects built in memory for tests that need exact control of the header.</summary>
public static class TestDicom
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    /// <summary>A new UID under 2.25 (PS3.5 B.2).</summary>
    public static string NewUid() => "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true);

    /// <summary>
    /// A 4×4 16-bit CT image with <paramref name="frames"/> frames whose pixels depend on <paramref name="seed"/> (so two
    /// objects with the same UIDs but different seeds differ). Null UIDs are left out.
    /// </summary>
    public static byte[] Create(string? study, string? series, string? sop, int seed = 0, string sopClass = CtImageStorage,
        Action<DicomDataset>? edit = null, int frames = 1, DicomTransferSyntax? transferSyntax = null)
    {
        var ds = new DicomDataset();
        ds.Set(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        ds.Set(DicomTag.SOPClassUID, sopClass);
        if (sop is not null)
            ds.Set(DicomTag.SOPInstanceUID, sop);
        ds.Set(DicomTag.StudyDate, "20240105");
        ds.Set(DicomTag.StudyTime, "101500");
        ds.Set(DicomTag.AccessionNumber, "ACC1");
        ds.Set(DicomTag.Modality, "CT");
        ds.Set(DicomTag.ReferringPhysicianName, "");
        ds.Set(DicomTag.PatientName, "Müller^Hans");
        ds.Set(DicomTag.PatientID, "P1");
        ds.Set(DicomTag.PatientBirthDate, "19700101");
        ds.Set(DicomTag.PatientSex, "M");
        if (study is not null)
            ds.Set(DicomTag.StudyInstanceUID, study);
        if (series is not null)
            ds.Set(DicomTag.SeriesInstanceUID, series);
        ds.Set(DicomTag.StudyID, "1");
        ds.Set(DicomTag.SeriesNumber, "1");
        ds.Set(DicomTag.InstanceNumber, (seed % 1000 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.SetValues(DicomTag.SamplesPerPixel, (ushort)1);
        ds.Set(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        if (frames > 1)
            ds.Set(DicomTag.NumberOfFrames, frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.SetValues(DicomTag.Rows, (ushort)4);
        ds.SetValues(DicomTag.Columns, (ushort)4);
        ds.SetValues(DicomTag.BitsAllocated, (ushort)16);
        ds.SetValues(DicomTag.BitsStored, (ushort)12);
        ds.SetValues(DicomTag.HighBit, (ushort)11);
        ds.SetValues(DicomTag.PixelRepresentation, (ushort)0);
        var pixels = new byte[32 * frames];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 7 + seed * 13);
        ds.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
        edit?.Invoke(ds);
        var meta = new DicomDataset();
        if (sop is null)
        {
            // The writer insists on a SOP Instance UID somewhere (PS3.10 7.1): give it only to the meta group.
            meta.Set(DicomTag.MediaStorageSOPClassUID, sopClass);
            meta.Set(DicomTag.MediaStorageSOPInstanceUID, NewUid());
        }
        var file = new DicomFile(meta, ds) { TransferSyntax = transferSyntax ?? DicomTransferSyntax.ExplicitVRLittleEndian };
        using var output = new MemoryStream();
        file.Write(output, new DicomWriteOptions { FlushToDisk = false });
        return output.ToArray();
    }

    /// <summary>The frame bytes <see cref="Create"/> wrote for frame <paramref name="frameNumber"/> (1-based).</summary>
    public static byte[] Frame(int seed, int frameNumber)
    {
        var frame = new byte[32];
        for (int i = 0; i < 32; i++)
            frame[i] = (byte)((i + (frameNumber - 1) * 32) * 7 + seed * 13);
        return frame;
    }
}
