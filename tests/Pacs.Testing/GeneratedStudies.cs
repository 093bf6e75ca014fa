using System.Diagnostics;

namespace Pacs.Testing;

/// <summary>One line of gen-studies.py's index.tsv.</summary>
public sealed record GeneratedInstance(string Path, string PatientId, string PatientName, string StudyInstanceUid, string AccessionNumber,
    string StudyDate, string Modality, string SeriesInstanceUid, int SeriesNumber, string SopInstanceUid, int InstanceNumber, string TransferSyntaxUid);

/// <summary>
/// Studies written by <c>../shared/tools/gen-studies.py</c> (run with /usr/bin/python3, pydicom) into a temporary
/// folder that is deleted on dispose. The generator is deterministic: the same arguments give the same files.
/// </summary>
public sealed class GeneratedStudies : IDisposable
{
    private GeneratedStudies(string folder, IReadOnlyList<GeneratedInstance> instances)
    {
        Folder = folder;
        Instances = instances;
    }

    public string Folder { get; }

    /// <summary>The instances in index order (patient, study, series, instance).</summary>
    public IReadOnlyList<GeneratedInstance> Instances { get; }

    public string FullPath(GeneratedInstance instance) => System.IO.Path.Combine(Folder, instance.Path);

    /// <summary>Runs the generator with <paramref name="arguments"/> (everything but <c>--out</c>).</summary>
    public static GeneratedStudies Generate(params string[] arguments)
    {
        string script = TestLocations.SharedFile("tools/gen-studies.py");
        string folder = Directory.CreateTempSubdirectory("pacs-gen-").FullName;
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("--out");
        info.ArgumentList.Add(folder);
        info.ArgumentList.Add("--quiet");
        foreach (string a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("gen-studies.py did not finish in 2 minutes.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"gen-studies.py failed (exit {process.ExitCode}): {stderr.Result}");
        var instances = File.ReadAllLines(System.IO.Path.Combine(folder, "index.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Select(f => new GeneratedInstance(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], int.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture),
                f[9], int.Parse(f[10], System.Globalization.CultureInfo.InvariantCulture), f[11]))
            .ToList();
        return new GeneratedStudies(folder, instances);
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>Where the shared folder (../shared beside the repository) is.</summary>
public static class TestLocations
{
    /// <summary>The repository root: the nearest folder above the test binaries that holds Pacs.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Pacs.sln")))
                    return dir.FullName;
            }
            throw new InvalidOperationException($"No Pacs.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The shared DICOM corpus: $PACS_DICOM_CORPUS, else dicom-corpus in the shared folder; fails loudly when absent.</summary>
    public static string Corpus => Environment.GetEnvironmentVariable("PACS_DICOM_CORPUS") is { Length: > 0 } corpus && Directory.Exists(corpus)
        ? corpus
        : System.IO.Path.GetDirectoryName(SharedFile("dicom-corpus/MANIFEST.tsv"))!;

    /// <summary>
    /// A file of the shared folder: $PACS_SHARED, else the folder above $PACS_DICOM_CORPUS, else the nearest
    /// <c>shared</c> folder beside the repository or one of its parents (worktrees live one level deeper). Fails
    /// loudly when the file is missing.
    /// </summary>
    public static string SharedFile(string relative)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PACS_SHARED") is { Length: > 0 } shared)
            candidates.Add(shared);
        if (Environment.GetEnvironmentVariable("PACS_DICOM_CORPUS") is { Length: > 0 } corpus)
            candidates.Add(System.IO.Path.GetFullPath(System.IO.Path.Combine(corpus, "..")));
        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
            candidates.Add(System.IO.Path.Combine(dir.FullName, "shared"));
        foreach (string folder in candidates)
        {
            string path = System.IO.Path.Combine(folder, relative);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"The shared file {relative} is missing; looked in {string.Join(", ", candidates)} (set PACS_SHARED to the shared folder).");
    }
}
