namespace Pacs.Cli.Commands;

/// <summary>`pacs json FILE`: DICOM JSON on stdout. PLACEHOLDER until the JSON writer lands.</summary>
internal static class JsonCommand
{
    public static int Run(string[] args, Stream output, TextWriter error)
    {
        error.WriteLine("pacs json: not available yet.");
        return Program.ExitUsage;
    }
}
