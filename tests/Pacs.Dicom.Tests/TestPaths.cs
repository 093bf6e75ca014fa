namespace Pacs.Dicom.Tests;

/// <summary>Where the repository and the shared DICOM corpus are.</summary>
public static class TestPaths
{
    /// <summary>The folder holding Pacs.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// The shared corpus: $PACS_DICOM_CORPUS, else ../shared/dicom-corpus beside the repository. Tests that need it
    /// fail with this message when it is missing, rather than passing without looking at anything.
    /// </summary>
    public static string Corpus
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("PACS_DICOM_CORPUS");
            if (string.IsNullOrEmpty(path))
            {
                path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "dicom-corpus"));
            }

            if (!Directory.Exists(path))
            {
                throw new DirectoryNotFoundException($"The DICOM corpus is not at '{path}'. Set PACS_DICOM_CORPUS to its folder.");
            }

            return path;
        }
    }

    /// <summary>A file of the corpus by its path below the corpus folder, e.g. "valid/CT_small.dcm".</summary>
    public static string CorpusFile(string relative) => Path.Combine(Corpus, relative);

    /// <summary>Every DICOM file of the corpus except malformed/ (and the JSON samples of json/), relative to the corpus folder.</summary>
    public static IEnumerable<string> WellFormedCorpusFiles() =>
        ManifestFiles().Where(f => !f.StartsWith("malformed/", StringComparison.Ordinal) && !f.StartsWith("json/", StringComparison.Ordinal));

    /// <summary>The file column of MANIFEST.tsv.</summary>
    public static IEnumerable<string> ManifestFiles() =>
        File.ReadLines(Path.Combine(Corpus, "MANIFEST.tsv")).Skip(1)
            .Select(line => line.Split('\t')[0])
            .Where(f => f.Length > 0);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pacs.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Pacs.sln not found above " + AppContext.BaseDirectory);
    }
}
