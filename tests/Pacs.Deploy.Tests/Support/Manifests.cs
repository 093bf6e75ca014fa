using Pacs.Deploy.Tests.Helm;

namespace Pacs.Deploy.Tests.Support;

/// <summary>Reading and checking Kubernetes objects given as parsed YAML maps.</summary>
internal static class Manifests
{
    public static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

    /// <summary>The value at a path of map keys, or null where any step is missing.</summary>
    public static object? At(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not Map map || !map.TryGetValue(key, out node))
                return null;
        }
        return node;
    }

    public static string? Text(object? node, params string[] path) => At(node, path) switch
    {
        null => null,
        string s => s,
        var other => ChartRenderer.Format(other),
    };

    public static List<Map> Maps(object? node, params string[] path) =>
        At(node, path) is List<object?> list ? list.OfType<Map>().ToList() : [];

    public static string Kind(Map document) => Text(document, "kind") ?? "";

    public static string Name(Map document) => Text(document, "metadata", "name") ?? "";

    public static string Describe(Map document) => $"{Kind(document)}/{Name(document)}";

    /// <summary>The pod template of a workload (a CronJob's is under its job template).</summary>
    public static Map PodTemplate(Map workload) =>
        (Kind(workload) == "CronJob" ? At(workload, "spec", "jobTemplate", "spec", "template") : At(workload, "spec", "template")) as Map
        ?? throw new InvalidOperationException($"{Describe(workload)} has no pod template");

    /// <summary>
    /// What every workload must have: liveness and readiness probes on the health endpoints over a declared port, CPU
    /// and memory requests and a memory limit, a non-root user, no privilege escalation, a read-only root file system,
    /// all capabilities dropped, and a writable /tmp volume (the root file system is read-only). Returns what is missing.
    /// </summary>
    public static List<string> WorkloadProblems(Map workload)
    {
        var problems = new List<string>();
        var pod = PodTemplate(workload);
        string name = Describe(workload);
        var podSecurity = At(pod, "spec", "securityContext");
        if (At(podSecurity, "runAsNonRoot") is not true)
            problems.Add($"{name}: pod securityContext.runAsNonRoot is not true");
        if (At(podSecurity, "runAsUser") is long uid && uid == 0)
            problems.Add($"{name}: pod runs as uid 0");
        var volumes = Maps(pod, "spec", "volumes").Select(v => Text(v, "name")).ToHashSet();
        var containers = Maps(pod, "spec", "containers");
        if (containers.Count == 0)
            problems.Add($"{name}: no containers");
        foreach (var container in containers)
        {
            string c = $"{name} container {Text(container, "name")}";
            var ports = Maps(container, "ports").Select(p => Text(p, "name")).ToHashSet();
            foreach (var (probe, path) in new[] { ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
            {
                if (At(container, probe) is not Map)
                {
                    problems.Add($"{c}: no {probe}");
                    continue;
                }
                if (Text(container, probe, "httpGet", "path") != path)
                    problems.Add($"{c}: {probe} does not GET {path}");
                var port = Text(container, probe, "httpGet", "port");
                if (port is null || (!ports.Contains(port) && !long.TryParse(port, out _)))
                    problems.Add($"{c}: {probe} port '{port}' is not a declared container port");
            }
            foreach (var resource in new[] { ("requests", "cpu"), ("requests", "memory"), ("limits", "memory") })
            {
                if (Text(container, "resources", resource.Item1, resource.Item2) is null)
                    problems.Add($"{c}: no resources.{resource.Item1}.{resource.Item2}");
            }
            var security = At(container, "securityContext");
            if (At(security, "readOnlyRootFilesystem") is not true)
                problems.Add($"{c}: readOnlyRootFilesystem is not true");
            if (At(security, "allowPrivilegeEscalation") is not false)
                problems.Add($"{c}: allowPrivilegeEscalation is not false");
            if (At(security, "capabilities", "drop") is not List<object?> drop || !drop.Contains("ALL"))
                problems.Add($"{c}: capabilities.drop does not contain ALL");
            if (At(security, "runAsUser") is long containerUid && containerUid == 0)
                problems.Add($"{c}: runs as uid 0");
            var mounts = Maps(container, "volumeMounts");
            if (!mounts.Any(m => Text(m, "mountPath") == "/tmp"))
                problems.Add($"{c}: no writable /tmp mount (the root file system is read-only)");
            foreach (var mount in mounts)
            {
                if (!volumes.Contains(Text(mount, "name")))
                    problems.Add($"{c}: mount {Text(mount, "name")} names no volume of the pod");
            }
        }
        return problems;
    }

    /// <summary>The environment variable names a container sets directly (env) and through ConfigMaps it loads whole (envFrom).</summary>
    public static List<string> EnvironmentNames(Map container, IReadOnlyList<Map> documents)
    {
        var names = Maps(container, "env").Select(e => Text(e, "name")!).ToList();
        foreach (var source in Maps(container, "envFrom"))
        {
            if (Text(source, "configMapRef", "name") is { } configMap)
            {
                var map = documents.FirstOrDefault(d => Kind(d) == "ConfigMap" && Name(d) == configMap)
                    ?? throw new InvalidOperationException($"envFrom names ConfigMap {configMap}, which is not among the manifests");
                names.AddRange(At(map, "data") is Map data ? data.Keys : []);
            }
        }
        return names;
    }

    /// <summary>The image name without registry and tag: registry.example.org/pacs/pacs-dicomweb:0.1.0 → pacs-dicomweb.</summary>
    public static string ImageName(string image)
    {
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        int colon = lastSegment.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? lastSegment : lastSegment[..colon];
    }

    /// <summary>Cross-references: services, PDBs and HPAs select or target a workload there is; Secrets and ConfigMaps referenced exist.</summary>
    public static List<string> ReferenceProblems(IReadOnlyList<Map> documents, bool secretsMayBeExternal)
    {
        var problems = new List<string>();
        var workloads = documents.Where(d => WorkloadKinds.Contains(Kind(d))).ToList();
        var podLabels = workloads.Select(w => (Workload: w, Labels: At(PodTemplate(w), "metadata", "labels") as Map ?? new Map(""))).ToList();
        bool Selects(Map? selector) => selector is { Count: > 0 }
            && podLabels.Any(p => selector.All(s => p.Labels.TryGetValue(s.Key, out var v) && Equals(v, s.Value)));

        foreach (var document in documents)
        {
            switch (Kind(document))
            {
                case "Service":
                    if (!Selects(At(document, "spec", "selector") as Map))
                        problems.Add($"{Describe(document)} selects no pod template");
                    break;
                case "PodDisruptionBudget":
                    if (!Selects(At(document, "spec", "selector", "matchLabels") as Map))
                        problems.Add($"{Describe(document)} selects no pod template");
                    break;
                case "HorizontalPodAutoscaler":
                    string target = Text(document, "spec", "scaleTargetRef", "name") ?? "";
                    if (!workloads.Any(w => Name(w) == target))
                        problems.Add($"{Describe(document)} targets {target}, which is not a workload here");
                    break;
                case "Ingress":
                    foreach (var rule in Maps(document, "spec", "rules"))
                    {
                        foreach (var path in Maps(rule, "http", "paths"))
                        {
                            string service = Text(path, "backend", "service", "name") ?? "";
                            if (!documents.Any(d => Kind(d) == "Service" && Name(d) == service))
                                problems.Add($"{Describe(document)} routes to Service {service}, which is not here");
                        }
                    }
                    break;
            }
        }

        foreach (var workload in workloads)
        {
            var pod = PodTemplate(workload);
            foreach (var container in Maps(pod, "spec", "containers"))
            {
                foreach (var env in Maps(container, "env"))
                {
                    if (Text(env, "valueFrom", "secretKeyRef", "name") is { } secret && !secretsMayBeExternal
                        && !documents.Any(d => Kind(d) == "Secret" && Name(d) == secret))
                        problems.Add($"{Describe(workload)} reads Secret {secret}, which is not here");
                }
            }
            foreach (var volume in Maps(pod, "spec", "volumes"))
            {
                if (Text(volume, "persistentVolumeClaim", "claimName") is { } claim
                    && !documents.Any(d => Kind(d) == "PersistentVolumeClaim" && Name(d) == claim))
                    problems.Add($"{Describe(workload)} mounts claim {claim}, which is not here");
            }
        }
        return problems;
    }
}
