using System.Diagnostics;
using System.Globalization;

namespace Pacs.Dicom.Bench;

/// <summary>
/// `headers [--runs N] DIR|LIST`: parses every file up to Pixel Data, as the archive's ingest and indexer do.
/// Untimed warm-up passes first (at least one, and at least one second, so the page cache is warm and the JIT has
/// reached its optimised tier, as in a long-running service), then N timed passes. One line per pass, for the script
/// to take the median: <c>run 1 seconds 0.214 allocated 7654321</c>. Allocation is counted on this thread only,
/// which is the one parsing.
/// </summary>
internal static class HeaderParseRun
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var runs = 5;
        string? input = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--runs" && i + 1 < args.Length)
            {
                runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                input = args[i];
            }
        }

        if (input is null || runs < 1)
        {
            error.WriteLine("usage: Pacs.Dicom.Bench headers [--runs N] DIR|FILELIST");
            return 2;
        }

        var files = BenchFiles.Expand(input);
        if (files.Count == 0)
        {
            error.WriteLine($"headers: no *.dcm files under '{input}'.");
            return 2;
        }

        var totalBytes = files.Sum(f => new FileInfo(f).Length);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"files {files.Count} bytes {totalBytes}"));

        var options = DicomReadOptions.Default with { StopBeforeTag = DicomTag.PixelData };
        var warmUp = Stopwatch.StartNew();
        var warmUpPasses = 0;
        long elements;
        do
        {
            elements = ParseAll(files, options);
            warmUpPasses++;
        }
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"elements {elements} warmup {warmUpPasses}"));

        for (var run = 1; run <= runs; run++)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            ParseAll(files, options);
            clock.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run} seconds {clock.Elapsed.TotalSeconds:F6} allocated {allocated}"));
        }

        return 0;
    }

    /// <summary>Reads each header; returns the element count so the work cannot be optimised away.</summary>
    private static long ParseAll(List<string> files, DicomReadOptions options)
    {
        long elements = 0;
        foreach (var file in files)
        {
            var dicom = DicomFile.Open(file, options);
            elements += dicom.FileMetaInformation.Count + dicom.Dataset.Count;
        }

        return elements;
    }
}
