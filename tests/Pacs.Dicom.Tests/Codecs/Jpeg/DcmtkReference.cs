using Pacs.Testing;

namespace Pacs.Dicom.Tests.Codecs.Jpeg;

/// <summary>
/// Reference decodes by DCMTK (dcmdjpeg for T.81 JPEG, dcmdjpls for JPEG-LS) and encodes by dcmcjpeg / dcmcjpls,
/// run as real processes bounded in time. Decoded twins are written uncompressed (Explicit VR Little Endian).
/// </summary>
internal static class DcmtkReference
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs a DCMTK tool; returns its result (exit code and output) without judging it.</summary>
    public static DcmtkResult Run(string tool, params string[] arguments) =>
        Dcmtk.RunAsync(tool, arguments, Timeout).GetAwaiter().GetResult();

    /// <summary>Decodes <paramref name="input"/> to <paramref name="output"/> with the DCMTK tool for its syntax; null when DCMTK refuses it.</summary>
    public static DcmtkResult Decode(string input, string output, DicomTransferSyntax syntax, params string[] options)
    {
        var tool = syntax.Uid is "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" ? "dcmdjpls" : "dcmdjpeg";
        return Run(tool, [.. options, "-q", input, output]);
    }

    /// <summary>Encodes <paramref name="input"/> with dcmcjpeg or dcmcjpls and the given options; throws when DCMTK fails.</summary>
    public static void Encode(string tool, string input, string output, params string[] options)
    {
        var result = Run(tool, [.. options, input, output]);
        if (result.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', options)} failed: {result}");
        }
    }
}
