using System.Text;

namespace Pacs.Dicom.Tests.Json;

/// <summary>Data sets built in memory for the JSON and XML model tests.</summary>
internal static class SampleDatasets
{
    /// <summary>One element of every VR of PS3.5 6.2, multi-valued where the VR allows, with a nested sequence and a private block.</summary>
    public static DicomDataset EveryVR()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomTag(0x00080005), DicomVR.CS, "ISO_IR 192");
        dataset.Set(new DicomTag(0x00080008), DicomVR.CS, "ORIGINAL", "PRIMARY", "", "AXIAL");
        dataset.Set(new DicomTag(0x00080012), DicomVR.DA, "20240131");
        dataset.Set(new DicomTag(0x00080013), DicomVR.TM, "101530.123456");
        dataset.Set(new DicomTag(0x00080016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2");
        dataset.Set(new DicomTag(0x0008002A), DicomVR.DT, "20240131101530.5+0100");
        dataset.Set(new DicomTag(0x00080054), DicomVR.AE, "STORESCP", "ARCHIVE");
        dataset.Set(new DicomTag(0x00080070), DicomVR.LO, "Ацме Медикал");
        dataset.Set(new DicomTag(0x00081010), DicomVR.SH, "CT01");
        dataset.Set(new DicomTag(0x00081190), DicomVR.UR, "http://example.org/studies/1?a=b\\c");
        dataset.Set(new DicomTag(0x00100010), DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう", "Doe^John^^Dr^Jr");
        dataset.Set(new DicomTag(0x00101010), DicomVR.AS, "045Y");
        dataset.Set(new DicomTag(0x00102180), DicomVR.SH, "");
        dataset.Set(new DicomTag(0x00104000), DicomVR.LT, "  line one\r\nline two\\with backslash");
        dataset.Set(new DicomTag(0x00180015), DicomVR.CS, "HEAD");
        dataset.Set(new DicomTag(0x00180050), DicomVR.DS, "0.1000000000000000055511", "-1.5e-3", "+7");
        dataset.Set(new DicomTag(0x00200013), DicomVR.IS, "42", "-0");
        dataset.Set(new DicomTag(0x00204000), DicomVR.ST, "short text");
        dataset.SetTags(new DicomTag(0x00209165), new DicomTag(0x00209111), new DicomTag(0x7FE00010));
        dataset.SetValues(new DicomTag(0x00280010), DicomVR.US, (ushort)0, ushort.MaxValue);
        dataset.SetValues(new DicomTag(0x00281052), DicomVR.SS, short.MinValue, (short)1);
        dataset.SetValues(new DicomTag(0x00209057), DicomVR.UL, uint.MaxValue);
        dataset.SetValues(new DicomTag(0x00186020), DicomVR.SL, int.MinValue, -1);
        dataset.SetValues(new DicomTag(0x0072007C), DicomVR.SV, long.MinValue, long.MaxValue);
        dataset.SetValues(new DicomTag(0x0072007E), DicomVR.UV, ulong.MaxValue, 0ul);
        dataset.SetValues(new DicomTag(0x00189087), DicomVR.FD, 0.1, -2.5e300, double.Epsilon, double.NaN);
        dataset.SetValues(new DicomTag(0x00189089), DicomVR.FL, 0.1f, float.MaxValue, float.NegativeInfinity);
        dataset.Set(new DicomTag(0x00400254), DicomVR.UC, "unlimited characters ", "two");
        dataset.Set(new DicomTag(0x0040A160), DicomVR.UT, "unlimited text with \\ and ü");
        dataset.SetValues(new DicomTag(0x00660040), DicomVR.OL, 1u, 2u);
        dataset.SetValues(new DicomTag(0x00660041), DicomVR.OV, 1ul);
        dataset.SetValues(new DicomTag(0x7FE00008), DicomVR.OF, 1.5f, 2.5f);
        dataset.SetValues(new DicomTag(0x7FE00009), DicomVR.OD, 1.5);
        dataset.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OW, new byte[] { 1, 2, 3, 4, 5, 6 }));
        dataset.Set(new DicomElement(new DicomTag(0x00420011), DicomVR.OB, Encoding.ASCII.GetBytes("%PDF-1.4")));
        dataset.Set(new DicomElement(new DicomTag(0x00190010), DicomVR.LO, Encoding.ASCII.GetBytes("ACME 1.0")));
        dataset.Set(new DicomElement(new DicomTag(0x00191001), DicomVR.UN, new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }));
        dataset.Set(new DicomElement(new DicomTag(0x00191002), DicomVR.DS, ReadOnlyMemory<byte>.Empty));

        var code = new DicomDataset()
            .Set(new DicomTag(0x00080100), DicomVR.SH, "113100")
            .Set(new DicomTag(0x00080102), DicomVR.SH, "DCM");
        var inner = new DicomDataset().Set(new DicomTag(0x00081150), DicomVR.UI, "1.2.3");
        inner.SetSequence(new DicomTag(0x0040A043), code);
        dataset.SetSequence(new DicomTag(0x00081115), inner, new DicomDataset());
        dataset.SetSequence(new DicomTag(0x00081140));
        return dataset;
    }
}
