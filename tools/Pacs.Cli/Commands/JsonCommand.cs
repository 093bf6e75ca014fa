using System.Globalization;
using Pacs.Dicom;

namespace Pacs.Cli.Commands;

/// <summary>`pacs json FILE`: the data set as DICOM JSON (PS3.18 Annex F) on stdout.</summary>
internal static class JsonCommand
{
    public static int Run(string[] args, Stream output, TextWriter error)
    {
        long? bulkThreshold = null;
        var indent = false;
        string? path = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bulk-threshold" when i + 1 < args.Length && long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var t):
                    bulkThreshold = t;
                    i++;
                    break;
                case "--indent":
                    indent = true;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || path is not null)
                    {
                        error.WriteLine($"pacs json: unexpected argument '{args[i]}'. Usage: pacs json FILE [--bulk-threshold BYTES] [--indent]");
                        return Program.ExitUsage;
                    }

                    path = args[i];
                    break;
            }
        }

        if (path is null)
        {
            error.WriteLine("pacs json: give one FILE. Usage: pacs json FILE [--bulk-threshold BYTES] [--indent]");
            return Program.ExitUsage;
        }

        try
        {
            var dicom = DicomFile.Open(path);
            var fullPath = Path.GetFullPath(path);
            var options = new DicomModelWriterOptions
            {
                Indented = indent,

                // Without a threshold every value is written inline, read from the file as needed; with one, larger
                // values and compressed pixel data point back into the file by byte range.
                InlineBulkDataFromSource = true,
                InlineBinaryMaxBytes = bulkThreshold ?? long.MaxValue,
                BulkDataUriFactory = bulkThreshold is null ? null : element => BulkDataUri(fullPath, element),
                EncapsulatedPixelData = DicomEncapsulatedPixelDataMode.InlineConcatenatedFragments,
            };
            new DicomJsonWriter(options).Write(output, dicom.Dataset);
            output.WriteByte((byte)'\n');
            output.Flush();
            return Program.ExitOk;
        }
        catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"pacs json: {path}: {ex.Message}");
            return Program.ExitSomeFailed;
        }
    }

    private static string BulkDataUri(string path, DicomElement element)
    {
        var uri = new Uri(path).AbsoluteUri;
        return element is DicomFragmentSequence
            ? $"{uri}?offset={element.ValueOffset}"
            : $"{uri}?offset={element.ValueOffset}&length={element.Length}";
    }
}
