using System.Diagnostics;
using System.Security.Cryptography;

namespace Pacs.Dicom.Tests.Imaging;

/// <summary>
/// Frames of the image files of the corpus as pydicom (an independent reader) splits and decodes them, computed once
/// per test run by pydicom_frames.py: SHA-256 of each encapsulated frame ("raw") and of each decoded frame ("pixels").
/// </summary>
public sealed class PydicomFrames
{
    private readonly Dictionary<(string File, string Kind), List<string>> _hashes = [];
    private readonly Dictionary<string, string> _errors = [];

    public PydicomFrames()
    {
        var files = ImageFiles().ToList();
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "Pacs.Dicom.Tests", "Imaging", "pydicom_frames.py");
        var output = Run("/usr/bin/python3", [script, TestPaths.Corpus, .. files], TimeSpan.FromMinutes(3));
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts[1] == "-1")
            {
                _errors[parts[0]] = $"{parts[2]}: {parts[3]}";
                continue;
            }

            var key = (parts[0], parts[2]);
            if (!_hashes.TryGetValue(key, out var list))
            {
                _hashes[key] = list = [];
            }

            list.Add(parts[3]);
        }
    }

    /// <summary>The corpus files whose frames the tests look at: multiframe/, transfer-syntaxes/ and pixel-formats/.</summary>
    public static IEnumerable<string> ImageFiles() => TestPaths.ManifestFiles()
        .Where(f => f.StartsWith("multiframe/", StringComparison.Ordinal) || f.StartsWith("transfer-syntaxes/", StringComparison.Ordinal) || f.StartsWith("pixel-formats/", StringComparison.Ordinal));

    /// <summary>The hashes pydicom gave for each frame of a file; null when it gave none of that kind.</summary>
    public IReadOnlyList<string>? Hashes(string file, string kind) => _hashes.GetValueOrDefault((file, kind));

    public string? Error(string file) => _errors.GetValueOrDefault(file);

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    internal static string Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList.Take(3))} … did not finish within {timeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }
}
