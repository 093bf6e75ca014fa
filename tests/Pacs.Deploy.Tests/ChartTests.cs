using Pacs.Deploy.Tests.Helm;
using Pacs.Deploy.Tests.Support;
using static Pacs.Deploy.Tests.Support.Manifests;

namespace Pacs.Deploy.Tests;

/// <summary>charts/pacs rendered without Helm (<see cref="ChartRenderer"/>) with its values and with a production-like override.</summary>
public sealed class ChartTests
{
    /// <summary>External Secret, telemetry, CORS, a public URL, TLS and extra settings: the branches the defaults leave out.</summary>
    private const string ProductionOverrides = """
        image:
          registry: registry.example.org/pacs/
          tag: "1.2.3"
        imagePullSecrets:
          - name: registry-login
        secrets:
          existingSecret: pacs-credentials
        telemetry:
          otlpEndpoint: http://otel-collector.observability:4317
          otlpProtocol: Grpc
        dicomweb:
          publicBaseUrl: https://pacs.hospital.example
          corsAllowedOrigins:
            - https://viewer.hospital.example
            - https://other.hospital.example
          autoscaling:
            enabled: false
          extraEnv:
            - name: Pacs__Archive__MaxQueryLimit
              value: "5000"
        indexer:
          autoscaling:
            enabled: false
          extraEnv:
            - name: Service__Health__CheckTimeoutSeconds
              value: "3"
        gateway:
          service:
            type: LoadBalancer
          spool:
            storageClass: fast-ssd
          extraEnv:
            - name: Pacs__Gateway__MaxAssociations
              value: "50"
        ingress:
          tlsSecretName: pacs-tls
        """;

    private static (ChartRenderer Renderer, List<Map> Documents) Render(string? overrides = null)
    {
        var values = Repository.ChartValues();
        if (overrides is not null)
            values = YamlValues.Merge(values, YamlValues.Load(overrides, "Values"));
        var renderer = new ChartRenderer(Repository.Chart, values);
        var documents = new List<Map>();
        foreach (var (file, text) in renderer.RenderAll())
            documents.AddRange(YamlValues.LoadDocuments(text, file));
        return (renderer, documents);
    }

    [Fact]
    public void Every_template_renders_with_the_default_values_into_parseable_manifests()
    {
        var (_, documents) = Render();
        var kinds = documents.Select(Describe).Order().ToList();
        Assert.Equal(
        [
            "Deployment/pacs-dicomweb", "Deployment/pacs-gateway", "Deployment/pacs-indexer",
            "HorizontalPodAutoscaler/pacs-dicomweb", "HorizontalPodAutoscaler/pacs-indexer", "Ingress/pacs",
            "PersistentVolumeClaim/pacs-gateway-spool", "PodDisruptionBudget/pacs-dicomweb", "PodDisruptionBudget/pacs-indexer",
            "Secret/pacs-pacs-secrets", "Service/pacs-dicomweb", "Service/pacs-gateway",
        ], kinds);
        Assert.All(documents, d => Assert.False(string.IsNullOrEmpty(Text(d, "apiVersion")), $"{Describe(d)} has no apiVersion"));
    }

    [Fact]
    public void Every_template_renders_with_production_overrides_using_the_external_secret()
    {
        var (_, documents) = Render(ProductionOverrides);
        Assert.DoesNotContain(documents, d => Kind(d) == "Secret");
        var dicomweb = documents.Single(d => Describe(d) == "Deployment/pacs-dicomweb");
        // Autoscaling off: the Deployment says how many replicas; on, it leaves them to the autoscaler.
        Assert.Equal(2L, At(dicomweb, "spec", "replicas"));
        Assert.DoesNotContain(documents, d => Describe(d) == "HorizontalPodAutoscaler/pacs-dicomweb");
        var container = Maps(PodTemplate(dicomweb), "spec", "containers").Single();
        Assert.Equal("registry.example.org/pacs/pacs-dicomweb:1.2.3", Text(container, "image"));
        var env = Maps(container, "env").ToDictionary(e => Text(e, "name")!, e => e);
        Assert.Equal("https://viewer.hospital.example", Text(env["DicomWeb__Cors__AllowedOrigins__0"], "value"));
        Assert.Equal("https://other.hospital.example", Text(env["DicomWeb__Cors__AllowedOrigins__1"], "value"));
        Assert.Equal("http://otel-collector.observability:4317", Text(env["Service__Telemetry__OtlpEndpoint"], "value"));
        Assert.Equal("5000", Text(env["Pacs__Archive__MaxQueryLimit"], "value"));
        Assert.Equal("pacs-credentials", Text(env["Pacs__Database__ConnectionString"], "valueFrom", "secretKeyRef", "name"));
        Assert.Equal("registry-login", Text(Maps(PodTemplate(dicomweb), "spec", "imagePullSecrets").Single(), "name"));
        var ingress = documents.Single(d => Kind(d) == "Ingress");
        Assert.Equal("pacs-tls", Text(Maps(ingress, "spec", "tls").Single(), "secretName"));
        Assert.Equal("fast-ssd", Text(documents.Single(d => Kind(d) == "PersistentVolumeClaim"), "spec", "storageClassName"));
    }

    [Fact]
    public void Every_rendered_workload_has_probes_resources_and_a_non_root_read_only_security_context()
    {
        foreach (var (overrides, external) in new[] { ((string?)null, false), (ProductionOverrides, true) })
        {
            var (_, documents) = Render(overrides);
            var workloads = documents.Where(d => WorkloadKinds.Contains(Kind(d))).ToList();
            Assert.Equal(3, workloads.Count);
            Assert.Empty(workloads.SelectMany(WorkloadProblems));
            Assert.Empty(ReferenceProblems(documents, secretsMayBeExternal: external));
            // The stop takes Service:ShutdownTimeoutSeconds; Kubernetes must not kill the pod before.
            Assert.All(workloads, w => Assert.True((long)At(PodTemplate(w), "spec", "terminationGracePeriodSeconds")! > 30));
        }
    }

    [Fact]
    public void Every_value_a_template_reads_is_defined_and_a_missing_one_fails_the_render_naming_it()
    {
        // The render itself is the check (a read of an undefined key throws); show that it does.
        var values = Repository.ChartValues();
        Assert.True(((Map)values["dicomweb"]!).Remove("resources"));
        var e = Assert.Throws<TemplateException>(() => new ChartRenderer(Repository.Chart, values).RenderAll());
        Assert.Contains("Values.dicomweb.resources", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_value_defined_in_values_yaml_is_read_by_some_template()
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var overrides in new[] { null, ProductionOverrides })
            read.UnionWith(Render(overrides).Renderer.ValuesRead);
        var unread = Leaves(Repository.ChartValues(), "").Where(path => !read.Contains(path)).ToList();
        Assert.Empty(unread);

        static IEnumerable<string> Leaves(Map map, string prefix)
        {
            foreach (var (key, value) in map)
            {
                string path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                if (value is Map { Count: > 0 } child)
                {
                    foreach (var leaf in Leaves(child, path))
                        yield return leaf;
                }
                else
                {
                    yield return path;
                }
            }
        }
    }

    [Fact]
    public void The_ingress_takes_stow_bodies_of_any_size_unbuffered_with_long_timeouts()
    {
        var (_, documents) = Render();
        AssertSizedForStow(documents.Single(d => Kind(d) == "Ingress"));
    }

    [Fact]
    public void The_api_and_the_indexer_autoscale_and_keep_a_replica_through_disruptions()
    {
        var (_, documents) = Render();
        foreach (var name in new[] { "pacs-dicomweb", "pacs-indexer" })
        {
            var deployment = documents.Single(d => Describe(d) == $"Deployment/{name}");
            Assert.Null(At(deployment, "spec", "replicas"));
            var hpa = documents.Single(d => Describe(d) == $"HorizontalPodAutoscaler/{name}");
            Assert.True((long)At(hpa, "spec", "maxReplicas")! > (long)At(hpa, "spec", "minReplicas")!);
            Assert.Equal(1L, At(documents.Single(d => Describe(d) == $"PodDisruptionBudget/{name}"), "spec", "minAvailable"));
        }
    }

    [Fact]
    public void Rendered_environment_variables_are_configuration_keys_the_services_read()
    {
        foreach (var overrides in new[] { null, ProductionOverrides })
        {
            var (_, documents) = Render(overrides);
            AssertEnvironmentIsRead(documents);
        }
    }

    [Fact]
    public void The_renderer_trims_whitespace_and_evaluates_pipelines_as_helm_does()
    {
        using var chart = new Pacs.Testing.TempFolder();
        Directory.CreateDirectory(chart.Folder("templates"));
        File.WriteAllText(chart.File("Chart.yaml"), "name: t\nversion: 1.0.0\nappVersion: \"2\"\n");
        File.WriteAllText(Path.Combine(chart.Path, "templates", "_h.tpl"), "{{- define \"t.x\" -}}\nx: {{ .a | quote }}\n{{- end }}\n");
        File.WriteAllText(Path.Combine(chart.Path, "templates", "t.yaml"), """
            k:
              {{- include "t.x" .Values | nindent 2 }}
            {{- range $i, $v := .Values.l }}
            - {{ printf "%d=%s" $i $v }}
            {{- end }}
            m: {{ default .Chart.AppVersion .Values.empty }}
            n: {{ add .Values.n 15 }}
            {{- with .Values.map }}
            y:
              {{- toYaml . | nindent 2 }}
            {{- end }}
            {{- if not .Values.n }}
            never
            {{- else if eq .Values.a "v" }}
            z: {{ .Values.a | b64enc }}
            {{- end }}
            """);
        var values = YamlValues.Load("a: v\nl: [p, q]\nempty: \"\"\nn: 30\nmap: {b: \"on\", a: [1, {c: d}]}\n", "Values");
        var output = new ChartRenderer(chart.Path, values).RenderAll()["t.yaml"];
        Assert.Equal("k:\n  x: \"v\"\n- 0=p\n- 1=q\nm: 2\nn: 45\ny:\n  a:\n  - 1\n  - c: d\n  b: \"on\"\nz: dg==", output);
    }

    internal static void AssertSizedForStow(Map ingress)
    {
        var annotations = (Map)At(ingress, "metadata", "annotations")!;
        Assert.Equal("0", annotations["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Equal("off", annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"]);
        foreach (var timeout in new[] { "proxy-read-timeout", "proxy-send-timeout" })
            Assert.True(long.Parse((string)annotations[$"nginx.ingress.kubernetes.io/{timeout}"]!, System.Globalization.CultureInfo.InvariantCulture) >= 600);
    }

    /// <summary>Every variable a container sets is a key its image's service reads.</summary>
    internal static void AssertEnvironmentIsRead(IReadOnlyList<Map> documents)
    {
        var unread = new List<string>();
        foreach (var workload in documents.Where(d => WorkloadKinds.Contains(Kind(d))))
        {
            foreach (var container in Maps(PodTemplate(workload), "spec", "containers"))
            {
                string image = ImageName(Text(container, "image")!);
                Assert.True(ServiceConfiguration.ByImage.ContainsKey(image), $"{Describe(workload)} runs {image}, which is no Pacs service image");
                unread.AddRange(EnvironmentNames(container, documents).Where(n => !ServiceConfiguration.Reads(image, n)).Select(n => $"{Describe(workload)}: {n}"));
            }
        }
        Assert.Empty(unread);
    }
}
