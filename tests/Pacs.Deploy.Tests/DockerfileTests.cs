using System.Text.RegularExpressions;
using Pacs.Deploy.Tests.Support;

namespace Pacs.Deploy.Tests;

/// <summary>services/*/Dockerfile, read as text (no Docker engine here).</summary>
public sealed partial class DockerfileTests
{
    /// <summary>
    /// Services whose Dockerfile may come before their project (none now). A project that exists while still listed
    /// fails the test, so the list cannot hide a build that should be checked.
    /// </summary>
    private static readonly string[] PendingProjects = [];

    [Fact]
    public void There_is_a_dockerfile_for_every_service_image_and_it_builds_that_project()
    {
        var dockerfiles = Repository.Dockerfiles();
        Assert.Equal(ServiceConfiguration.ProjectByImage.Values.Order(), dockerfiles.Keys.Order());
        foreach (var (project, path) in dockerfiles)
        {
            string text = File.ReadAllText(path);
            string csproj = $"services/{project}/{project}.csproj";
            Assert.Contains($"dotnet publish {csproj}", text, StringComparison.Ordinal);
            Assert.Equal(!PendingProjects.Contains(project), File.Exists(Repository.PathOf(csproj)));
            // What the build stage copies exists (the build context is the repository root).
            foreach (Match copy in CopyPattern().Matches(text))
            {
                foreach (var source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
                {
                    bool pendingSource = PendingProjects.Any(p => source.Contains(p, StringComparison.Ordinal));
                    Assert.True(pendingSource || File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)),
                        $"{project}: COPY {source} names nothing in the repository");
                }
            }
        }
    }

    [Fact]
    public void Each_image_builds_in_stages_and_runs_its_service_as_a_non_root_user_with_a_health_check()
    {
        foreach (var (project, path) in Repository.Dockerfiles())
        {
            var lines = Instructions(File.ReadAllText(path));
            var stages = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("FROM ", StringComparison.Ordinal)).Select(x => x.i).ToList();
            Assert.True(stages.Count >= 2, $"{project}: not a multi-stage build");
            var final = lines.Skip(stages[^1]).ToList();
            Assert.Contains("mcr.microsoft.com/dotnet/aspnet:", final[0], StringComparison.Ordinal);
            var user = final.Where(l => l.StartsWith("USER ", StringComparison.Ordinal)).Select(l => l[5..].Trim()).LastOrDefault();
            Assert.NotNull(user);
            var uid = user.Split(':')[0];
            Assert.True(long.TryParse(uid, out var id) && id > 0, $"{project}: USER {user} is not a numeric non-root uid (runAsNonRoot needs a number)");
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{project}.dll\"]", final);
            Assert.Contains(final, l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal) && l.EndsWith($"CMD [\"dotnet\", \"{project}.dll\", \"probe\"]", StringComparison.Ordinal));
            Assert.Contains(final, l => l.StartsWith("VOLUME", StringComparison.Ordinal) && l.Contains("\"/tmp\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Image_environment_variables_are_configuration_keys_the_services_read()
    {
        var unread = new List<string>();
        foreach (var (image, project) in ServiceConfiguration.ProjectByImage)
        {
            var lines = Instructions(File.ReadAllText(Repository.Dockerfiles()[project]));
            foreach (var env in lines.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
            {
                foreach (Match pair in EnvPattern().Matches(env[4..]))
                {
                    if (!ServiceConfiguration.Reads(image, pair.Groups[1].Value))
                        unread.Add($"{project}: {pair.Groups[1].Value}");
                }
            }
        }
        Assert.Empty(unread);
    }

    /// <summary>Instructions with continuation lines joined and comments dropped.</summary>
    private static List<string> Instructions(string dockerfile) =>
        dockerfile.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyPattern();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvPattern();
}
