namespace Pacs.Dicom.Tests.Json;

/// <summary>
/// Every well-formed corpus file (all but malformed/) read, written as DICOM JSON and as Native DICOM Model XML, and
/// read back: the data set means the same (bulk data inlined from the file; encapsulated pixel data as its
/// fragments joined, which reads back as one OB value with the same bytes).
/// </summary>
public sealed class CorpusModelRoundTripTests
{
    private static readonly DicomModelWriterOptions InlineEverything = new()
    {
        InlineBulkDataFromSource = true,
        EncapsulatedPixelData = DicomEncapsulatedPixelDataMode.InlineConcatenatedFragments,
    };

    public static TheoryData<string> WellFormedFiles() => new(TestPaths.WellFormedCorpusFiles());

    [Theory]
    [MemberData(nameof(WellFormedFiles))]
    public void Corpus_file_survives_dataset_to_JSON_to_dataset(string file)
    {
        var original = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;

        using var json = new MemoryStream();
        new DicomJsonWriter(InlineEverything).Write(json, original);
        json.Position = 0;
        var read = DicomJsonReader.ReadDataset(json);

        Assert.Equal(DatasetSemantics.Flatten(original), DatasetSemantics.Flatten(read));
    }

    [Theory]
    [MemberData(nameof(WellFormedFiles))]
    public void Corpus_file_survives_dataset_to_XML_to_dataset(string file)
    {
        var original = DicomFile.Open(TestPaths.CorpusFile(file)).Dataset;

        using var xml = new MemoryStream();
        new DicomXmlWriter(InlineEverything).Write(xml, original);
        xml.Position = 0;
        var read = DicomXmlReader.ReadDataset(xml);

        Assert.Equal(DatasetSemantics.Flatten(original), DatasetSemantics.Flatten(read));
    }
}
