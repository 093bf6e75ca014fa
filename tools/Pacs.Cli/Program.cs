using Pacs.Cli.Commands;

namespace Pacs.Cli;

/// <summary>The `pacs` admin command line.</summary>
public static class Program
{
    public const int ExitOk = 0;
    public const int ExitSomeFailed = 1;
    public const int ExitUsage = 2;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Usage(Console.Out);
            return args.Length == 0 ? ExitUsage : ExitOk;
        }

        var rest = args[1..];

        // Console.Out flushes every line; a dump of many files writes through one buffered writer instead.
        // Not disposed: the process ends here, and a flush on a closed pipe must not throw outside the handler below.
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
        try
        {
            var code = args[0] switch
            {
                "dump" => DumpCommand.Run(rest, stdout, Console.Error),
                "json" => JsonCommand.Run(rest, Console.OpenStandardOutput(), Console.Error),
                "scan" => ScanCommand.Run(rest, stdout, Console.Error),
                _ => UnknownCommand(args[0]),
            };
            stdout.Flush();
            return code;
        }
        catch (IOException ex) when (ex.HResult == 32 || ex.Message.Contains("Broken pipe", StringComparison.Ordinal))
        {
            // stdout closed early (e.g. `pacs dump … | head`): not an error of ours.
            return ExitOk;
        }
    }

    private static int UnknownCommand(string name)
    {
        Console.Error.WriteLine($"pacs: unknown command '{name}'.");
        Usage(Console.Error);
        return ExitUsage;
    }

    private static void Usage(TextWriter w)
    {
        w.WriteLine("""
            usage: pacs <command> [options]

              dump FILE|DIR...     readable dump of each DICOM file (like dcmdump); directories are walked
                  --no-pixel       stop before Pixel Data
              json FILE            the data set as DICOM JSON (PS3.18 Annex F) on stdout
                  --bulk-threshold BYTES   binary values above this size become BulkDataURI (default: inline all)
              scan DIR...          read every header; counts per SOP class and transfer syntax, and every
                                   file that could not be read, with the reason

            exit codes: 0 all read, 1 some input could not be read, 2 usage error
            """);
    }
}
