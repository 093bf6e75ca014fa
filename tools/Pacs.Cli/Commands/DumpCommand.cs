using Pacs.Dicom;

namespace Pacs.Cli.Commands;

/// <summary>`pacs dump FILE|DIR…`: a readable dump per file.</summary>
internal static class DumpCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var noPixel = args.Contains("--no-pixel");
        var paths = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (paths.Count == 0)
        {
            error.WriteLine("pacs dump: give at least one FILE or DIR.");
            return Program.ExitUsage;
        }

        var options = DicomReadOptions.Default with { StopBeforeTag = noPixel ? DicomTag.PixelData : null };
        var failed = 0;
        var files = InputFiles.Expand(paths).ToList();
        var dumper = new DicomDumpWriter(output);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var nextReport = 1000L;
        for (var index = 0; index < files.Count; index++)
        {
            var file = files[index];
            if (clock.ElapsedMilliseconds >= nextReport)
            {
                // Long runs report progress on stderr; stdout stays the dump alone.
                error.WriteLine($"dump: {index}/{files.Count} files");
                nextReport = clock.ElapsedMilliseconds + 1000;
            }

            try
            {
                var dicom = DicomFile.Open(file, options);
                if (files.Count > 1)
                {
                    output.Write("\n# ");
                    output.Write(file);
                    output.Write('\n');
                }

                dumper.Write(dicom);
            }
            catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
            {
                failed++;
                error.WriteLine($"pacs dump: {file}: {ex.Message}");
            }
        }

        output.Flush();
        return failed == 0 ? Program.ExitOk : Program.ExitSomeFailed;
    }
}
