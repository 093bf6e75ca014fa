namespace Pacs.Dicom.Tests.Writing;

/// <summary>Saving to a path goes through a temporary file in the same folder and a rename.</summary>
public sealed class SaveTests : IDisposable
{
    private static readonly byte[] OldContent = "previous version"u8.ToArray();

    private readonly string _folder = Directory.CreateTempSubdirectory("pacs-writer-save-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Target => Path.Combine(_folder, "instance.dcm");

    /// <summary>An image whose pixel data is read from <paramref name="pixels"/> through a source that runs <paramref name="whileWriting"/>.</summary>
    private static DicomFile ImageWithBulkPixels(byte[] pixels, Action whileWriting, Func<Stream>? open = null)
    {
        var ds = WritingSamples.Image(32, 32);
        var source = new SpyBulkDataSource((_, _) => open?.Invoke() ?? new MemoryStream(pixels)) { OnOpen = whileWriting };
        ds.Set(new DicomElement(WritingSamples.PixelData, DicomVR.OW, new DicomBulkDataReference(0, pixels.Length) { Source = source }));
        return WritingSamples.File(ds, DicomTransferSyntax.ExplicitVRLittleEndian);
    }

    private void AssertMidWrite()
    {
        // Half way through the write, the final name still holds the previous file and the new bytes sit in a
        // temporary file beside it.
        Assert.Equal(OldContent, File.ReadAllBytes(Target));
        var others = Directory.GetFiles(_folder).Where(f => f != Target).ToList();
        var temp = Assert.Single(others);
        Assert.EndsWith(".tmp", temp, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_writes_a_temporary_file_beside_the_target_and_renames_it_when_complete()
    {
        File.WriteAllBytes(Target, OldContent);
        var pixels = WritingSamples.Image(32, 32).Get(WritingSamples.PixelData)!.Value.ToArray();
        var checkedMidWrite = false;
        var file = ImageWithBulkPixels(pixels, () =>
        {
            AssertMidWrite();
            checkedMidWrite = true;
        });

        file.Save(Target);

        Assert.True(checkedMidWrite);
        Assert.Equal([Target], Directory.GetFiles(_folder));
        var back = DicomFile.Open(Target, CorpusRewrite.LoadEverything);
        Assert.Equal(pixels, back.Dataset.Get(WritingSamples.PixelData)!.Value.ToArray());
    }

    [Fact]
    public async Task SaveAsync_writes_a_temporary_file_beside_the_target_and_renames_it_when_complete()
    {
        File.WriteAllBytes(Target, OldContent);
        var pixels = WritingSamples.Image(32, 32).Get(WritingSamples.PixelData)!.Value.ToArray();
        var checkedMidWrite = false;
        var file = ImageWithBulkPixels(pixels, () =>
        {
            if (!checkedMidWrite)
            {
                AssertMidWrite();
                checkedMidWrite = true;
            }
        });

        await file.SaveAsync(Target);

        Assert.True(checkedMidWrite);
        Assert.Equal([Target], Directory.GetFiles(_folder));
        Assert.Equal(WritingSamples.WriteToBytes(file), File.ReadAllBytes(Target));
    }

    [Fact]
    public void A_failed_save_keeps_the_previous_file_and_leaves_no_temporary_file()
    {
        File.WriteAllBytes(Target, OldContent);
        var file = ImageWithBulkPixels(new byte[2048], () => { }, open: () => new MemoryStream(new byte[100]));

        Assert.Throws<DicomException>(() => file.Save(Target));

        Assert.Equal(OldContent, File.ReadAllBytes(Target));
        Assert.Equal([Target], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Saving_over_the_file_the_object_was_read_from_keeps_its_bulk_data()
    {
        var image = WritingSamples.Image(64, 64);
        WritingSamples.File(image, DicomTransferSyntax.ExplicitVRLittleEndian).Save(Target);
        var opened = DicomFile.Open(Target, new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        Assert.True(opened.Dataset.Get(WritingSamples.PixelData)!.IsBulkData);

        opened.Save(Target, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRBigEndian });

        var back = DicomFile.Open(Target, CorpusRewrite.LoadEverything);
        Assert.Equal(DicomTransferSyntax.ExplicitVRBigEndian, back.TransferSyntax);
        DatasetComparer.AssertEqual(image, back.Dataset, compareVR: true, "after saving over its own source");
    }
}
