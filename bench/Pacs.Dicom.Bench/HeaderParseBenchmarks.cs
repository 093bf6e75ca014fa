using BenchmarkDotNet.Attributes;

namespace Pacs.Dicom.Bench;

/// <summary>
/// The header of one generated 512×512 CT file (everything before Pixel Data), parsed from memory and from disk,
/// plus the whole file with Pixel Data left in place as a bulk data reference (the default read).
/// Run: <c>dotnet run -c Release --project bench/Pacs.Dicom.Bench -- --filter '*Header*'</c>.
/// </summary>
[MemoryDiagnoser]
public class HeaderParseBenchmarks
{
    private static readonly DicomReadOptions StopBeforePixels = DicomReadOptions.Default with { StopBeforeTag = DicomTag.PixelData };

    private string _path = "";
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchFiles.FirstFile();
        _bytes = File.ReadAllBytes(_path);
    }

    [Benchmark(Baseline = true)]
    public int HeaderFromMemory()
    {
        using var stream = new MemoryStream(_bytes, writable: false);
        return DicomFile.Read(stream, StopBeforePixels).Dataset.Count;
    }

    [Benchmark]
    public int HeaderFromDisk() => DicomFile.Open(_path, StopBeforePixels).Dataset.Count;

    [Benchmark]
    public int WholeFileFromDiskPixelDataAsReference() => DicomFile.Open(_path).Dataset.Count;
}
