using System.Text.RegularExpressions;
using Pacs.Deploy.Tests.Helm;
using Pacs.Deploy.Tests.Support;
using Pacs.DicomWeb.Hosting;
using Pacs.Storage;
using static Pacs.Deploy.Tests.Support.Manifests;

namespace Pacs.Deploy.Tests;

/// <summary>docker-compose.yml: the whole system on one host.</summary>
public sealed partial class ComposeTests
{
    private static Map Services() => (Map)Repository.Compose()["services"]!;

    private static IEnumerable<(string Name, Map Service, string Image)> PacsServices() =>
        Services().Select(s => (s.Key, (Map)s.Value!, ImageName(Text(s.Value, "image") ?? "")))
            .Where(s => ServiceConfiguration.ByImage.ContainsKey(s.Item3));

    [Fact]
    public void Compose_runs_every_service_image_built_from_its_own_dockerfile_beside_the_peers()
    {
        var services = Services();
        var pacs = PacsServices().ToList();
        Assert.Equal(ServiceConfiguration.ByImage.Keys.Order(), pacs.Select(s => s.Image).Order());
        foreach (var (name, service, image) in pacs)
        {
            Assert.Equal(".", Text(service, "build", "context"));
            Assert.Equal($"services/{ServiceConfiguration.ProjectByImage[image]}/Dockerfile", Text(service, "build", "dockerfile"));
            Assert.True(File.Exists(Repository.PathOf(Text(service, "build", "dockerfile")!)), $"{name}: its Dockerfile is missing");
        }
        var peers = services.Values.Select(s => ImageName(Text(s, "image")!)).ToHashSet();
        Assert.Contains("postgres", peers);
        Assert.Contains("rabbitmq", peers);
        Assert.Contains("azurite", peers);
        Assert.Contains("app", peers); // ohif/app
    }

    [Fact]
    public void Compose_environment_variables_are_configuration_keys_the_services_read_and_name_every_peer()
    {
        var unread = new List<string>();
        foreach (var (name, service, image) in PacsServices())
        {
            var environment = (Map)service["environment"]!;
            unread.AddRange(environment.Keys.Where(k => !ServiceConfiguration.Reads(image, k)).Select(k => $"{name}: {k}"));
        }
        Assert.Empty(unread);

        var services = Services();
        foreach (var archive in new[] { "dicomweb", "indexer" })
        {
            var environment = (Map)At(services, archive, "environment")!;
            Assert.Equal("PostgreSql", environment["Pacs__Database__Provider"]);
            Assert.Contains("Host=postgres;", (string)environment["Pacs__Database__ConnectionString"]!, StringComparison.Ordinal);
            Assert.Equal("AzureBlob", environment["Pacs__Storage__Provider"]);
            Assert.StartsWith("http://azurite:10000/", (string)environment["Pacs__Storage__Endpoint"]!, StringComparison.Ordinal);
            // Azurite's published development key, not a secret.
            Assert.Equal(AzureBlobStoreOptions.DevelopmentAccountKey, environment["Pacs__Storage__AccountKey"]);
            Assert.Equal("rabbitmq", environment["Bus__RabbitMq__Host"]);
        }
        // The gateway forwards to the DICOMweb service by its compose name, on the port its image listens on.
        Assert.Equal($"http://dicomweb:8080{new PublicUrlOptions().ServicePath}", Text(services, "gateway", "environment", "Pacs__Gateway__ArchiveUrl"));
    }

    [Fact]
    public void Compose_runs_the_pacs_services_read_only_without_capabilities_with_a_writable_tmp()
    {
        foreach (var (name, service, _) in PacsServices())
        {
            Assert.True(At(service, "read_only") is true, $"{name}: read_only is not true");
            Assert.Contains("ALL", (List<object?>)service["cap_drop"]!);
            Assert.Contains("/tmp", (List<object?>)service["tmpfs"]!);
            Assert.Null(At(service, "user")); // the image's non-root user
        }
    }

    [Fact]
    public void The_viewer_is_configured_for_the_dicomweb_endpoint_compose_publishes_and_the_api_allows_its_origin()
    {
        var services = Services();
        string apiPort = PublishedPort(services, "dicomweb", 8080);
        string viewerPort = PublishedPort(services, "viewer", 80);
        string endpoint = $"http://localhost:{apiPort}{new PublicUrlOptions().ServicePath}";

        var mount = ((List<object?>)At(services, "viewer", "volumes")!).Cast<string>().Single(v => v.Contains("app-config.js", StringComparison.Ordinal));
        var config = File.ReadAllText(Repository.PathOf(mount.Split(':')[0]));
        foreach (var key in new[] { "qidoRoot", "wadoRoot", "wadoUriRoot" })
            Assert.Equal(endpoint, ConfigValue(config, key));
        Assert.Equal($"http://localhost:{viewerPort}", Text(services, "dicomweb", "environment", "DicomWeb__Cors__AllowedOrigins__0"));
        Assert.Equal($"http://localhost:{apiPort}", Text(services, "dicomweb", "environment", "DicomWeb__PublicBaseUrl"));
    }

    private static string PublishedPort(Map services, string service, int containerPort)
    {
        var ports = ((List<object?>)At(services, service, "ports")!).Cast<string>();
        var mapping = ports.Single(p => p.EndsWith($":{containerPort}", StringComparison.Ordinal));
        return mapping.Split(':')[^2];
    }

    private static string ConfigValue(string config, string key)
    {
        var match = Regex.Match(config, $@"\b{key}:\s*'([^']*)'");
        Assert.True(match.Success, $"app-config.js sets no {key}");
        return match.Groups[1].Value;
    }
}
