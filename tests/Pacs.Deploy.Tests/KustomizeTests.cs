using System.Diagnostics;
using Pacs.Deploy.Tests.Helm;
using Pacs.Deploy.Tests.Support;
using static Pacs.Deploy.Tests.Support.Manifests;

namespace Pacs.Deploy.Tests;

/// <summary>k8s/: the kustomize base and the example overlay, built with <c>kubectl kustomize</c> (tools/test.sh installs kubectl when missing).</summary>
public sealed class KustomizeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Every_manifest_file_under_k8s_parses()
    {
        var files = Directory.GetFiles(Repository.PathOf("k8s"), "*.yaml", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            // Manifests and kustomizations are mappings; JSON patch files are lists: YAML either way.
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            Assert.True(stream.Documents.Count > 0, $"{file} is empty");
        }
    }

    [Theory]
    [InlineData("k8s/base", true)]
    [InlineData("k8s/overlays/example", false)]
    public void The_build_has_every_service_with_probes_resources_and_a_non_root_read_only_security_context(string folder, bool secretsMayBeExternal)
    {
        var documents = Build(folder);
        var workloads = documents.Where(d => WorkloadKinds.Contains(Kind(d))).ToList();
        var images = workloads.SelectMany(w => Maps(PodTemplate(w), "spec", "containers")).Select(c => ImageName(Text(c, "image")!)).Order().ToList();
        Assert.Equal(ServiceConfiguration.ByImage.Keys.Order(), images);
        Assert.Empty(workloads.SelectMany(WorkloadProblems));
        Assert.Empty(ReferenceProblems(documents, secretsMayBeExternal));
        ChartTests.AssertEnvironmentIsRead(documents);
        ChartTests.AssertSizedForStow(documents.Single(d => Kind(d) == "Ingress"));
        foreach (var name in new[] { "pacs-dicomweb", "pacs-indexer" })
        {
            Assert.Contains(documents, d => Describe(d) == $"HorizontalPodAutoscaler/{name}");
            Assert.Contains(documents, d => Describe(d) == $"PodDisruptionBudget/{name}");
        }
    }

    [Fact]
    public void The_example_overlay_sets_the_namespace_registry_and_generated_secret()
    {
        var documents = Build("k8s/overlays/example");
        Assert.All(documents.Where(d => Kind(d) != "Namespace"), d => Assert.Equal("pacs", Text(d, "metadata", "namespace")));
        Assert.All(documents.Where(d => WorkloadKinds.Contains(Kind(d))).SelectMany(w => Maps(PodTemplate(w), "spec", "containers")),
            c => Assert.StartsWith("registry.example.org/pacs/", Text(c, "image"), StringComparison.Ordinal));
        var secret = documents.Single(d => Kind(d) == "Secret");
        Assert.Equal(["database-connection-string", "rabbitmq-password", "storage-account-key"], ((Map)At(secret, "data")!).Keys.Order());
        // The overlay's ConfigMap entries merge into the base's rather than replacing it.
        var config = (Map)At(documents.Single(d => Kind(d) == "ConfigMap"), "data")!;
        Assert.Equal("https://examplepacs.blob.core.windows.net", config["Pacs__Storage__Endpoint"]);
        Assert.Equal("PostgreSql", config["Pacs__Database__Provider"]);
    }

    private static List<Map> Build(string folder)
    {
        var info = new ProcessStartInfo(Kubectl(), ["kustomize", Repository.PathOf(folder)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl kustomize {folder} did not finish within {Deadline.TotalSeconds} s");
        }
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {folder} failed: {errors.Result}");
        return YamlValues.LoadDocuments(output.Result, folder);
    }

    private static string Kubectl()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(p => Path.Combine(p, "kubectl")).FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException("kubectl is not installed (Debian: apt-get install kubernetes-client; tools/test.sh does this).");
    }
}
