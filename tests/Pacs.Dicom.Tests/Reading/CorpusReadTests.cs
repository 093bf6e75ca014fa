namespace Pacs.Dicom.Tests.Reading;

/// <summary>Every file of the shared corpus outside malformed/ reads, from a file and from a non-seekable stream.</summary>
public sealed class CorpusReadTests
{
    public static TheoryData<string> WellFormedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in TestPaths.WellFormedCorpusFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WellFormedFiles))]
    public void Corpus_file_reads_without_error(string file)
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile(file));

        Assert.True(dicom.Dataset.Count > 0, $"{file}: no elements read");
        Assert.NotNull(dicom.TransferSyntax);
    }

    [Theory]
    [MemberData(nameof(WellFormedFiles))]
    public void Corpus_file_reads_the_same_from_a_non_seekable_stream(string file)
    {
        var path = TestPaths.CorpusFile(file);
        var fromFile = DicomFile.Open(path, new DicomReadOptions { BulkDataThresholdBytes = 1024 });
        using var stream = new NonSeekableStream(File.ReadAllBytes(path));
        var fromStream = DicomFile.Read(stream, new DicomReadOptions { BulkDataThresholdBytes = 1024 });

        Assert.Equal(Flatten(fromFile.Dataset), Flatten(fromStream.Dataset));
        Assert.Equal(fromFile.TransferSyntax, fromStream.TransferSyntax);
    }

    /// <summary>Tag, VR, value offset and length of every element at every depth, as one comparable list.</summary>
    internal static List<string> Flatten(DicomDataset dataset, string prefix = "")
    {
        var result = new List<string>();
        foreach (var element in dataset)
        {
            result.Add($"{prefix}{element.Tag} {element.VR} @{element.ValueOffset} #{element.Length}");
            if (element is DicomSequence sq)
            {
                for (var i = 0; i < sq.Items.Count; i++)
                {
                    result.AddRange(Flatten(sq.Items[i], $"{prefix}{element.Tag}[{i}]."));
                }
            }
            else if (element is DicomFragmentSequence fragments)
            {
                result.AddRange(fragments.Fragments.Select((f, i) => $"{prefix}{element.Tag} fragment {i} @{f.ItemOffset} #{f.Length}"));
            }
        }

        return result;
    }
}
