namespace Pacs.Dimse.Tests.Support;

/// <summary>Where the repository and the shared DICOM corpus are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>$PACS_DICOM_CORPUS, else ../shared/dicom-corpus beside the repository; missing fails loudly.</summary>
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

    public static string CorpusFile(string relative)
    {
        var path = Path.Combine(Corpus, relative);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Corpus file '{relative}' is missing.", path);
        }

        return path;
    }

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
