using System.Collections.Concurrent;
using System.Diagnostics;
using Pacs.Dicom;

namespace Pacs.Cli.Commands;

/// <summary>`pacs scan DIR…`: reads every header and reports counts and failures.</summary>
internal static class ScanCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0)
        {
            error.WriteLine("pacs scan: give at least one DIR (or FILE).");
            return Program.ExitUsage;
        }

        var files = InputFiles.Expand(args).ToList();
        var bySopClass = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var bySyntax = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failures = new ConcurrentBag<(string File, string Reason)>();
        var options = DicomReadOptions.Default with { StopBeforeTag = DicomTag.PixelData };
        var done = 0;
        var clock = Stopwatch.StartNew();
        var lastReport = 0L;

        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            try
            {
                var dicom = DicomFile.Open(file, options);
                var sopClass = dicom.SopClassUid ?? "(none)";
                var name = DicomUidRegistry.Lookup(sopClass)?.Name ?? sopClass;
                bySopClass.AddOrUpdate(name, 1, (_, n) => n + 1);
                bySyntax.AddOrUpdate(dicom.TransferSyntax.Name, 1, (_, n) => n + 1);
            }
            catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
            {
                failures.Add((file, ex.Message));
            }

            var n = Interlocked.Increment(ref done);
            var now = clock.ElapsedMilliseconds;
            var last = Interlocked.Read(ref lastReport);
            if (now - last >= 1000 && Interlocked.CompareExchange(ref lastReport, now, last) == last)
            {
                lock (error)
                {
                    error.WriteLine($"scan: {n}/{files.Count} files");
                }
            }
        });

        var read = files.Count - failures.Count;
        output.WriteLine($"{files.Count} files, {read} read, {failures.Count} could not be read ({clock.Elapsed.TotalSeconds:F1} s)");
        output.WriteLine();
        output.WriteLine("SOP classes:");
        foreach (var (name, count) in bySopClass.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {count,7}  {name}");
        }

        output.WriteLine();
        output.WriteLine("Transfer syntaxes:");
        foreach (var (name, count) in bySyntax.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {count,7}  {name}");
        }

        if (!failures.IsEmpty)
        {
            output.WriteLine();
            output.WriteLine("Could not read:");
            foreach (var (file, reason) in failures.OrderBy(f => f.File, StringComparer.Ordinal))
            {
                output.WriteLine($"  {file}: {reason}");
            }
        }

        return failures.IsEmpty ? Program.ExitOk : Program.ExitSomeFailed;
    }
}
