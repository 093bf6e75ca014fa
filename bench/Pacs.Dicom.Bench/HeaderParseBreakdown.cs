using System.Diagnostics;
using System.Globalization;

namespace Pacs.Dicom.Bench;

/// <summary>
/// `breakdown [--runs N] DIR|LIST`: where the time and the allocations of a header parse go. It measures the
/// pieces separately over the same files (opening and reading the start of each file with no parsing, the parse
/// alone from bytes already in memory, the whole DicomFile.Open), describes what a header holds, and shares out
/// the allocated bytes by type from the runtime's allocation sampling. Medians of N passes, after a warm-up long
/// enough for the JIT to reach its optimised tier.
/// </summary>
internal static class HeaderParseBreakdown
{
    private const int HeaderBytes = 64 * 1024;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var runs = 9;
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
            error.WriteLine("usage: Pacs.Dicom.Bench breakdown [--runs N] DIR|FILELIST");
            return 2;
        }

        // A short-lived command (pacs dump) pays for the data dictionary's first use; measure it cold, first thing.
        var cold = Stopwatch.StartNew();
        var coldAllocated = GC.GetAllocatedBytesForCurrentThread();
        _ = DicomDictionary.Lookup(DicomTag.PatientName);
        cold.Stop();
        coldAllocated = GC.GetAllocatedBytesForCurrentThread() - coldAllocated;

        using var sampler = new AllocationSampler();
        var files = BenchFiles.Expand(input);
        var options = DicomReadOptions.Default with { StopBeforeTag = DicomTag.PixelData };
        var heads = files.Select(ReadHead).ToList();
        var scratch = new byte[HeaderBytes];

        var phases = new (string Name, Func<long> Pass)[]
        {
            ("open + read 64 KiB (FileStream as DicomFile.Open)", () => files.Sum(f => (long)ReadHeadInto(f, scratch, HeaderBytes))),
            ("open + read 4 KiB (FileStream as DicomFile.Open)", () => files.Sum(f => (long)ReadHeadInto(f, scratch, 4096))),
            ("open + read 4 KiB (File.OpenHandle, RandomAccess)", () => files.Sum(f => (long)ReadHeadByHandle(f, scratch, 4096))),
            ("parse from memory (MemoryStream, stop before 7FE0,0010)", () => heads.Sum(h => (long)DicomFile.Read(new MemoryStream(h, writable: false), options).Dataset.Count)),
            ("DicomFile.Open, stop before 7FE0,0010", () => files.Sum(f => (long)DicomFile.Open(f, options).Dataset.Count)),
            ("DicomFile.Open, whole file (Pixel Data as reference)", () => files.Sum(f => (long)DicomFile.Open(f).Dataset.Count)),
        };

        // Every phase shares the parser; warm them all before timing any, so no phase pays for tier-0 code.
        var clock = Stopwatch.StartNew();
        var warmUpPasses = 0;
        while (clock.Elapsed < WarmUp || warmUpPasses < 2)
        {
            foreach (var (_, pass) in phases)
            {
                pass();
            }

            warmUpPasses++;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files.Count} files; {warmUpPasses} warm-up passes of every phase, then the median of {runs} passes"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data dictionary, first lookup in the process: {cold.Elapsed.TotalMilliseconds:F1} ms, {coldAllocated} bytes allocated"));
        output.WriteLine();
        output.WriteLine($"{"phase",-56} {"µs/file",8} {"bytes/file",11}");
        foreach (var (name, pass) in phases)
        {
            var times = new List<double>();
            var allocations = new List<long>();
            for (var run = 0; run < runs; run++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var timer = Stopwatch.StartNew();
                pass();
                timer.Stop();
                allocations.Add(GC.GetAllocatedBytesForCurrentThread() - before);
                times.Add(timer.Elapsed.TotalMicroseconds / files.Count);
            }

            times.Sort();
            allocations.Sort();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-56} {times[runs / 2],8:F1} {allocations[runs / 2] / files.Count,11}"));
        }

        DescribeHeader(files[0], options, output);
        ShareOutAllocations(files, options, sampler, output);
        return 0;
    }

    /// <summary>What one header holds: the element and item counts and the value bytes the reader copies.</summary>
    private static void DescribeHeader(string file, DicomReadOptions options, TextWriter output)
    {
        var dicom = DicomFile.Open(file, options);
        var pixelDataOffset = DicomFile.Open(file).Dataset.Get(DicomTag.PixelData)?.ValueOffset ?? -1;
        long elements = 0, items = 0, valueBytes = 0, valueBytesAligned = 0;
        void Walk(DicomDataset dataset)
        {
            foreach (var element in dataset)
            {
                elements++;
                if (element is DicomSequence sequence)
                {
                    foreach (var item in sequence.Items)
                    {
                        items++;
                        Walk(item);
                    }
                }
                else if (!element.IsBulkData)
                {
                    valueBytes += element.Value.Length;
                    valueBytesAligned += (element.Value.Length + 7) & ~7;
                }
            }
        }

        Walk(dicom.FileMetaInformation);
        Walk(dicom.Dataset);
        output.WriteLine();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"one header: {dicom.FileMetaInformation.Count} meta + {dicom.Dataset.Count} top-level elements, {elements} elements in all, {items} items; value bytes {valueBytes} ({valueBytesAligned} rounded up to 8 each); Pixel Data's value starts at offset {pixelDataOffset}"));
    }

    /// <summary>Shares out the measured bytes per header by type, from the runtime's allocation samples.</summary>
    private static void ShareOutAllocations(List<string> files, DicomReadOptions options, AllocationSampler sampler, TextWriter output)
    {
        // Enough passes for a few hundred samples (one per ~100 KB).
        const int Passes = 5;
        var before = GC.GetAllocatedBytesForCurrentThread();
        sampler.Enabled = true;
        for (var pass = 0; pass < Passes; pass++)
        {
            foreach (var file in files)
            {
                DicomFile.Open(file, options);
            }
        }

        sampler.Enabled = false;
        var perFile = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / (Passes * files.Count);
        var sampled = Math.Max(1, sampler.SampledBytes);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocation by type, DicomFile.Open stop before 7FE0,0010 ({perFile:F0} bytes/file; sampled by the runtime every ~100 KB):"));
        foreach (var (type, bytes) in sampler.ByType().Take(15))
        {
            var share = (double)bytes / sampled;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {share,6:P1}  ~{share * perFile,6:F0} bytes/file  {type}"));
        }
    }

    private static int ReadHeadInto(string path, byte[] buffer, int count)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return stream.ReadAtLeast(buffer.AsSpan(0, count), count, throwOnEndOfStream: false);
    }

    private static int ReadHeadByHandle(string path, byte[] buffer, int count)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.None);
        return RandomAccess.Read(handle, buffer.AsSpan(0, count), 0);
    }

    private static byte[] ReadHead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = new byte[Math.Min(HeaderBytes, stream.Length)];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
