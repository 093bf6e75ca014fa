using System.Diagnostics;

namespace Pacs.Dicom.Tests.Dictionary;

/// <summary>The committed dictionary sources are exactly what tools/dictionary/gen-dictionary.py makes of ../shared/dicom-dictionary.</summary>
public sealed class GeneratedSourcesTests
{
    private static readonly string[] GeneratedFiles =
    [
        "libs/Pacs.Dicom/Dictionary/DicomTag.g.cs",
        "libs/Pacs.Dicom/Dictionary/DicomDictionary.g.cs",
        "libs/Pacs.Dicom/Uids/DicomUid.g.cs",
        "libs/Pacs.Dicom/Uids/DicomUidRegistry.g.cs",
    ];

    /// <summary>$PACS_DICOM_DICTIONARY, else ../shared/dicom-dictionary beside the repository (as the generator defaults).</summary>
    internal static string DictionarySource
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("PACS_DICOM_DICTIONARY");
            if (string.IsNullOrEmpty(path))
            {
                path = Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "..", "shared", "dicom-dictionary"));
            }

            if (!File.Exists(Path.Combine(path, "elements.tsv")) || !File.Exists(Path.Combine(path, "uids.tsv")))
            {
                throw new DirectoryNotFoundException($"The PS3.6 dictionary (elements.tsv, uids.tsv) is not in '{path}'. Set PACS_DICOM_DICTIONARY to its folder.");
            }

            return path;
        }
    }

    [Fact]
    public async Task Committed_sources_equal_the_generator_output_byte_for_byte()
    {
        var source = DictionarySource;
        var output = Directory.CreateTempSubdirectory("pacs-dictionary-");
        try
        {
            var (exitCode, log) = await RunGeneratorAsync(
                Path.Combine(TestPaths.RepoRoot, "tools", "dictionary", "gen-dictionary.py"),
                "--elements", Path.Combine(source, "elements.tsv"),
                "--uids", Path.Combine(source, "uids.tsv"),
                "--out", output.FullName);
            Assert.True(exitCode == 0, $"gen-dictionary.py exited with {exitCode}:\n{log}");

            foreach (var file in GeneratedFiles)
            {
                var committed = File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, file));
                var generated = File.ReadAllBytes(Path.Combine(output.FullName, file));
                Assert.True(
                    committed.AsSpan().SequenceEqual(generated),
                    $"{file} differs from the generator's output (first difference at byte {FirstDifference(committed, generated)}). " +
                    "Rerun: python3 tools/dictionary/gen-dictionary.py (see tools/dictionary/README.md) and commit the result.");
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Log)> RunGeneratorAsync(string script, params string[] arguments)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{python} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"python3 is needed to run tools/dictionary/gen-dictionary.py but could not be started ({e.Message}). Install python3.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("gen-dictionary.py did not finish within 60 s.");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }

    private static int FirstDifference(byte[] a, byte[] b) => a.AsSpan().CommonPrefixLength(b);
}
