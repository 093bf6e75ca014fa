using Pacs.Dicom;

namespace Pacs.Imaging.Tests.Corpus;

/// <summary>
/// Loads a single-frame (or the first frame of a multi-frame) native corpus file with every value in memory and takes
/// the frame's bytes straight from the pixel data element, standing in for the frame extraction code.
/// </summary>
internal static class CorpusFrames
{
    private static readonly DicomReadOptions LoadEverything = new() { BulkDataThresholdBytes = long.MaxValue };

    public static (DicomDataset Dataset, PixelDescription Description, byte[] Frame) Load(string relative)
    {
        var file = DicomFile.Open(TestPaths.CorpusFile(relative), LoadEverything);
        var dataset = file.Dataset;
        var description = PixelDescription.FromDataset(dataset);
        var element = dataset.Get(DicomTag.PixelData) ?? dataset.Get(ImagingTags.FloatPixelData) ?? dataset.Get(ImagingTags.DoubleFloatPixelData)
            ?? throw new InvalidOperationException($"{relative} has no pixel data.");
        Assert.False(element is DicomFragmentSequence, $"{relative} is encapsulated; these tests take native frames only.");
        var frame = element.Value[..(int)description.FrameLength].ToArray();
        return (dataset, description, frame);
    }
}
