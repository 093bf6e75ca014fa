using Pacs.Deploy.Tests.Helm;
using Pacs.Testing;

namespace Pacs.Deploy.Tests.Support;

/// <summary>The deployment files of the repository this test runs from.</summary>
internal static class Repository
{
    public static string Root => TestLocations.RepositoryRoot;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Chart => PathOf("charts/pacs");

    public static Map ChartValues() => YamlValues.Load(File.ReadAllText(Path.Combine(Chart, "values.yaml")), "Values");

    public static Map Compose() => YamlValues.Load(File.ReadAllText(PathOf("docker-compose.yml")), "compose");

    /// <summary>services/*/Dockerfile, keyed by the project folder name (Pacs.DicomWeb).</summary>
    public static IReadOnlyDictionary<string, string> Dockerfiles() =>
        Directory.GetDirectories(PathOf("services"))
            .Where(d => File.Exists(Path.Combine(d, "Dockerfile")))
            .ToDictionary(d => Path.GetFileName(d)!, d => Path.Combine(d, "Dockerfile"));
}
