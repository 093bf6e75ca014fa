using System.Reflection;

namespace Pacs.Dicom.Tests.Uids;

public sealed class DicomUidRegistryTests
{
    [Fact]
    public void CT_Image_Storage_is_a_registered_SOP_Class()
    {
        var info = DicomUidRegistry.Lookup("1.2.840.10008.5.1.4.1.1.2");

        Assert.NotNull(info);
        Assert.Equal("CT Image Storage", info.Name);
        Assert.Equal("CTImageStorage", info.Keyword);
        Assert.Equal("SOP Class", info.Type);
        Assert.False(info.IsRetired);
        Assert.Equal(DicomUid.CTImageStorage, info.Uid);
    }

    [Fact]
    public void Transfer_syntaxes_carry_their_type_info_and_retirement()
    {
        var implicitLe = DicomUidRegistry.Lookup(DicomUid.ImplicitVRLittleEndian)!;
        var bigEndian = DicomUidRegistry.Lookup(DicomUid.ExplicitVRBigEndian)!;

        Assert.Equal("Transfer Syntax", implicitLe.Type);
        Assert.Equal("Default Transfer Syntax for DICOM", implicitLe.Info);
        Assert.False(implicitLe.IsRetired);
        Assert.True(bigEndian.IsRetired);
        Assert.Equal("Explicit VR Little Endian", DicomTransferSyntax.ExplicitVRLittleEndian.Name);
        Assert.Equal("ExplicitVRLittleEndian", DicomTransferSyntax.ExplicitVRLittleEndian.Keyword);
    }

    [Theory]
    [InlineData("Verification", "1.2.840.10008.1.1")]
    [InlineData("ExplicitVRLittleEndian", "1.2.840.10008.1.2.1")]
    [InlineData("HTJ2KLossless", "1.2.840.10008.1.2.4.201")]
    [InlineData("JPEGXL", "1.2.840.10008.1.2.4.112")]
    [InlineData("DeflatedImageFrameCompression", "1.2.840.10008.1.2.8.1")]
    [InlineData("StudyRootQueryRetrieveInformationModelFind", "1.2.840.10008.5.1.4.1.2.2.1")]
    public void Keyword_constants_hold_the_registry_UIDs(string keyword, string uid)
    {
        var constant = (string?)typeof(DicomUid).GetField(keyword)?.GetRawConstantValue();

        Assert.Equal(uid, constant);
        Assert.Equal(keyword, DicomUidRegistry.Lookup(uid)?.Keyword);
    }

    [Fact]
    public void Every_DicomUid_constant_is_registered_under_its_own_keyword()
    {
        var constants = typeof(DicomUid).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

        foreach (var (keyword, uid) in constants)
        {
            Assert.Equal(keyword, DicomUidRegistry.Lookup(uid)?.Keyword);
        }

        Assert.Equal(DicomUidRegistry.All.Count(u => u.Keyword.Length > 0), constants.Count);
    }

    [Fact]
    public void The_registry_is_unique_and_in_numeric_UID_order()
    {
        var all = DicomUidRegistry.All;

        Assert.True(all.Count >= 490, $"only {all.Count} UIDs");
        Assert.Equal(all.Count, all.Select(u => u.Uid).Distinct(StringComparer.Ordinal).Count());
        Assert.All(all, u => Assert.True(DicomUidGenerator.IsValid(u.Uid), u.Uid));
        for (var i = 1; i < all.Count; i++)
        {
            Assert.True(CompareNumerically(all[i - 1].Uid, all[i].Uid) < 0, $"{all[i - 1].Uid} before {all[i].Uid}");
        }
    }

    [Theory]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.840.10008.5.1.4.1.1.2 ")]
    [InlineData("")]
    public void Unregistered_UIDs_are_null(string uid)
    {
        Assert.Null(DicomUidRegistry.Lookup(uid));
        Assert.False(DicomUidRegistry.IsStorageSopClass(uid));
    }

    [Theory]
    [InlineData(DicomUid.CTImageStorage)]
    [InlineData(DicomUid.EnhancedMRImageStorage)]
    [InlineData(DicomUid.DigitalXRayImageStorageForPresentation)]
    [InlineData(DicomUid.BasicTextSRStorage)]
    [InlineData(DicomUid.EncapsulatedPDFStorage)]
    [InlineData(DicomUid.VLWholeSlideMicroscopyImageStorage)]
    [InlineData(DicomUid.RTPlanStorage)]
    [InlineData(DicomUid.TwelveLeadECGWaveformStorage)]
    [InlineData(DicomUid.NuclearMedicineImageStorageRetired)]
    [InlineData(DicomUid.HardcopyGrayscaleImageStorage)]
    [InlineData(DicomUid.TextSRStorageTrial)]
    public void Storage_SOP_Classes_are_recognised(string uid)
    {
        Assert.True(DicomUidRegistry.IsStorageSopClass(uid), DicomUidRegistry.Lookup(uid)?.Name);
    }

    [Theory]
    [InlineData(DicomUid.Verification)]
    [InlineData(DicomUid.StorageCommitmentPushModel)]
    [InlineData(DicomUid.MediaStorageDirectoryStorage)]
    [InlineData(DicomUid.StudyRootQueryRetrieveInformationModelMove)]
    [InlineData(DicomUid.ModalityWorklistInformationModelFind)]
    [InlineData(DicomUid.ExplicitVRLittleEndian)]
    [InlineData(DicomUid.Storage)] // the Storage Service Class itself
    public void Other_UIDs_are_not_storage_SOP_Classes(string uid)
    {
        Assert.False(DicomUidRegistry.IsStorageSopClass(uid), DicomUidRegistry.Lookup(uid)?.Name);
    }

    [Fact]
    public void Storage_SOP_Classes_are_the_bulk_of_the_SOP_Classes()
    {
        var storage = DicomUidRegistry.All.Count(u => DicomUidRegistry.IsStorageSopClass(u.Uid));
        var sopClasses = DicomUidRegistry.All.Count(u => u.Type == "SOP Class");

        Assert.InRange(storage, 200, sopClasses - 50);
        Assert.All(DicomUidRegistry.All.Where(u => DicomUidRegistry.IsStorageSopClass(u.Uid)), u => Assert.Contains("Storage", u.Name, StringComparison.Ordinal));
    }

    private static int CompareNumerically(string a, string b)
    {
        var x = a.Split('.').Select(System.Numerics.BigInteger.Parse).ToArray();
        var y = b.Split('.').Select(System.Numerics.BigInteger.Parse).ToArray();
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var c = x[i].CompareTo(y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Length.CompareTo(y.Length);
    }
}
