using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Pacs.Storage;
using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Services.Bench;

/// <summary>
/// bench/services-ingest.sh: the same C-STOREs into the separate services (Pacs.Gateway → STOW-RS → Pacs.DicomWeb →
/// outbox → RabbitMQ → Pacs.Indexer) and into the embedded process (Pacs.Server: its gateway, archive and indexer in
/// one process, in-memory bus), both on the same PostgreSQL and Azurite (a database and a container each), in one run.
/// Measures the ingest rate of a bulk store and the end-to-end latency of single instances, from the start of the
/// C-STORE at the gateway until QIDO-RS finds the instance and its series' metadata document, rebuilt by the indexer,
/// lists it. Prints a table and the ratios separate / embedded. docs/benchmarks.md says what each figure means.
/// </summary>
internal static class Program
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    public static async Task<int> Main()
    {
        int instances = Setting("PACS_BENCH_INSTANCES", 1000);
        int studies = Setting("PACS_BENCH_STUDIES", 10);
        int latencyCount = Setting("PACS_BENCH_LATENCY", 20);
        int rows = Setting("PACS_BENCH_ROWS", 256);
        string[] order = (Environment.GetEnvironmentVariable("PACS_BENCH_ORDER") is { Length: > 0 } o ? o : "separate,embedded")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (instances % studies != 0 || order.Any(s => s is not ("separate" or "embedded")))
        {
            await Console.Error.WriteLineAsync("PACS_BENCH_INSTANCES must be a multiple of PACS_BENCH_STUDIES; PACS_BENCH_ORDER a list of separate, embedded.");
            return 2;
        }
        int perStudy = instances / studies;

        Say($"data: {studies} studies x {perStudy} instances ({rows}x{rows} MR, 16 bit), {latencyCount} single-instance studies, a warm-up study ...");
        using var bulk = Generate(seed: 61, patients: studies, instancesPerSeries: perStudy, rows);
        using var single = Generate(seed: 62, patients: latencyCount, instancesPerSeries: 1, rows);
        using var warm = Generate(seed: 63, patients: 1, instancesPerSeries: 20, rows);
        long bulkBytes = bulk.Instances.Sum(i => new FileInfo(bulk.FullPath(i)).Length);

        Say("peers: PostgreSQL, RabbitMQ, Azurite ...");
        var peers = new BrokeredPeers();
        var results = new Dictionary<string, SideResult>();
        try
        {
            await peers.InitializeAsync();
            foreach (string side in order)
            {
                Say($"{side}: starting ...");
                await using var target = side == "separate" ? await Target.SeparateAsync(peers) : await Target.EmbeddedAsync(peers);
                try
                {
                    Say($"{side}: warm-up (20 instances) ...");
                    await BulkAsync(target, warm);
                    Say($"{side}: latency ({latencyCount} single instances, one after another) ...");
                    var latencies = new List<Latency>();
                    foreach (var instance in single.Instances)
                        latencies.Add(await LatencyAsync(target, single, instance));
                    Say($"{side}: bulk ingest ({instances} instances, one storescu association) ...");
                    var ingest = await BulkAsync(target, bulk);
                    results[side] = new SideResult(ingest, latencies);
                    Say($"{side}: done ({ingest.Documents.TotalSeconds:0.0} s to the last document)");
                }
                catch
                {
                    await Console.Error.WriteLineAsync(target.Output());
                    throw;
                }
            }
        }
        finally
        {
            await peers.DisposeAsync();
        }

        Report(results, instances, studies, perStudy, rows, bulkBytes, latencyCount);
        return 0;
    }

    /// <summary>One storescu association of every file; then waits until QIDO-RS counts them all, every series' document is current and its metadata lists every instance.</summary>
    private static async Task<Ingest> BulkAsync(Target target, GeneratedStudies data)
    {
        var studyCounts = data.Instances.GroupBy(i => i.StudyInstanceUid).ToDictionary(g => g.Key, g => g.Count());
        var series = data.Instances.GroupBy(i => (i.StudyInstanceUid, i.SeriesInstanceUid)).ToDictionary(g => g.Key, g => g.Count());
        var cpu = target.CpuTime();
        var clock = Stopwatch.StartNew();
        var stored = await Dcmtk.RunAsync("storescu", ["-aet", "MODALITY", "-aec", "PACS", "+sd", "+r", "+sp", "*.dcm", "127.0.0.1",
            target.GatewayPort.ToString(CultureInfo.InvariantCulture), data.Folder], Deadline);
        var acknowledged = clock.Elapsed;
        if (stored.ExitCode != 0)
            throw new InvalidOperationException($"storescu failed: {stored}");

        var pending = new HashSet<string>(studyCounts.Keys, StringComparer.Ordinal);
        await Until(async () =>
        {
            foreach (string study in pending.ToList())
            {
                if (await target.QidoStudyInstancesAsync(study) == studyCounts[study])
                    pending.Remove(study);
            }
            return pending.Count == 0;
        }, TimeSpan.FromMilliseconds(100), "every study complete in QIDO-RS", target);
        var visible = clock.Elapsed;

        string[] uids = [.. series.Keys.Select(k => k.SeriesInstanceUid)];
        await Until(async () => await target.CurrentDocumentsAsync(uids, series.Values.Distinct().Single()) == uids.Length,
            TimeSpan.FromMilliseconds(100), "every series document rebuilt by the indexer", target);
        var documents = clock.Elapsed;
        foreach (var ((study, uid), count) in series)
        {
            int listed = await target.MetadataInstancesAsync(study, uid, null);
            if (listed != count)
                throw new InvalidOperationException($"series {uid}: metadata lists {listed} of {count} instances.\n{target.Output()}");
        }
        var metadata = clock.Elapsed;
        var used = target.CpuTime() - cpu;
        return new Ingest(data.Instances.Count, acknowledged, visible, documents, metadata, used);
    }

    /// <summary>One instance of a new study: C-STORE, then QIDO-RS, the indexer's document and the series metadata, each as soon as it shows the instance.</summary>
    private static async Task<Latency> LatencyAsync(Target target, GeneratedStudies data, GeneratedInstance instance)
    {
        var clock = Stopwatch.StartNew();
        var stored = await Dcmtk.RunAsync("storescu", ["-aet", "MODALITY", "-aec", "PACS", "127.0.0.1",
            target.GatewayPort.ToString(CultureInfo.InvariantCulture), data.FullPath(instance)], Deadline);
        var acknowledged = clock.Elapsed;
        if (stored.ExitCode != 0)
            throw new InvalidOperationException($"storescu failed: {stored}");
        var interval = TimeSpan.FromMilliseconds(10);
        await Until(async () => await target.QidoFindsInstanceAsync(instance.StudyInstanceUid, instance.SopInstanceUid), interval, $"QIDO-RS finding {instance.SopInstanceUid}", target);
        var visible = clock.Elapsed;
        await Until(async () => await target.CurrentDocumentsAsync([instance.SeriesInstanceUid], 1) == 1, interval, $"the document of series {instance.SeriesInstanceUid}", target);
        var document = clock.Elapsed;
        await Until(async () => await target.MetadataInstancesAsync(instance.StudyInstanceUid, instance.SeriesInstanceUid, instance.SopInstanceUid) == 1,
            interval, $"series metadata listing {instance.SopInstanceUid}", target);
        return new Latency(acknowledged, visible, document, clock.Elapsed);
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan interval, string what, Target target)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {Deadline.TotalMinutes:0} min waiting for {what} ({target.Name}).\n{target.Output()}");
            await Task.Delay(interval);
        }
    }

    private static void Report(Dictionary<string, SideResult> results, int instances, int studies, int perStudy, int rows, long bytes, int latencyCount)
    {
        string commit = Git("rev-parse --short HEAD");
        if (Git("status --porcelain -- libs services bench").Length > 0)
            commit += "+changes";
        Console.WriteLine();
        Console.WriteLine($"Pacs {commit}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"bulk: {instances} instances ({studies} studies x {perStudy}, {rows}x{rows} MR 16 bit, {bytes / 1e6:0.0} MB), one storescu association (TCP_NODELAY=1)");
        Console.WriteLine($"latency: {latencyCount} single-instance studies, one storescu run each, one after another, polled every 10 ms");
        Console.WriteLine("separate: Pacs.Gateway -> STOW-RS -> Pacs.DicomWeb -> outbox -> RabbitMQ -> Pacs.Indexer (3 processes)");
        Console.WriteLine("embedded: Pacs.Server (gateway, archive, indexer in one process, in-memory bus)");
        Console.WriteLine("both on the same PostgreSQL and Azurite (a database and a container each), Release builds");
        Console.WriteLine();
        string[] sides = [.. results.Keys.OrderBy(s => s == "separate" ? 0 : 1)];
        var rowsOut = new List<(string Name, Func<SideResult, double> Value, string Unit, bool HigherIsBetter)>
        {
            ("bulk: C-STOREs acknowledged", r => r.Ingest.Count / r.Ingest.Acknowledged.TotalSeconds, "inst/s", true),
            ("bulk: all in QIDO-RS", r => r.Ingest.Count / r.Ingest.Visible.TotalSeconds, "inst/s", true),
            ("bulk: all series documents current", r => r.Ingest.Count / r.Ingest.Documents.TotalSeconds, "inst/s", true),
            ("bulk: CPU of the Pacs processes", r => r.Ingest.Cpu.TotalMilliseconds / r.Ingest.Count, "ms/inst", false),
            ("latency: C-STORE acknowledged, median", r => Median(r.Latencies, l => l.Acknowledged), "ms", false),
            ("latency: in QIDO-RS, median", r => Median(r.Latencies, l => l.Visible), "ms", false),
            ("latency: in QIDO-RS, p90", r => Percentile(r.Latencies, l => l.Visible, 0.9), "ms", false),
            ("latency: document current, median", r => Median(r.Latencies, l => l.Document), "ms", false),
            ("latency: in QIDO-RS with metadata, median", r => Median(r.Latencies, l => l.Metadata), "ms", false),
            ("latency: in QIDO-RS with metadata, p90", r => Percentile(r.Latencies, l => l.Metadata, 0.9), "ms", false),
            ("latency: in QIDO-RS with metadata, max", r => r.Latencies.Max(l => l.Metadata.TotalMilliseconds), "ms", false),
        };
        Console.WriteLine($"{"",-44}{string.Join("", sides.Select(s => $"{s,12}"))}  {"",-8}{(sides.Length == 2 ? "separate/embedded" : "")}");
        foreach (var (name, value, unit, _) in rowsOut)
        {
            var values = sides.Select(s => value(results[s])).ToArray();
            string ratio = values.Length == 2 && values[1] > 0 ? $"{values[0] / values[1]:0.00}" : "";
            Console.WriteLine($"{name,-44}{string.Join("", values.Select(v => $"{v,12:0.0}"))}  {unit,-8}{ratio}");
        }
        Console.WriteLine();
        foreach (string side in sides)
        {
            var i = results[side].Ingest;
            Console.WriteLine($"{side}: bulk acknowledged {i.Acknowledged.TotalSeconds:0.00} s, in QIDO-RS {i.Visible.TotalSeconds:0.00} s, documents {i.Documents.TotalSeconds:0.00} s, metadata checked {i.Metadata.TotalSeconds:0.00} s");
        }
    }

    private static double Median(List<Latency> latencies, Func<Latency, TimeSpan> value) => Percentile(latencies, value, 0.5);

    private static double Percentile(List<Latency> latencies, Func<Latency, TimeSpan> value, double p)
    {
        var sorted = latencies.Select(l => value(l).TotalMilliseconds).Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static GeneratedStudies Generate(int seed, int patients, int instancesPerSeries, int rows) => GeneratedStudies.Generate(
        "--patients", patients.ToString(CultureInfo.InvariantCulture), "--studies-per-patient", "1", "--series-per-study", "1",
        "--instances-per-series", instancesPerSeries.ToString(CultureInfo.InvariantCulture), "--modalities", "MR",
        "--rows", rows.ToString(CultureInfo.InvariantCulture), "--cols", rows.ToString(CultureInfo.InvariantCulture),
        "--seed", seed.ToString(CultureInfo.InvariantCulture));

    private static int Setting(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    private static string Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", $"-C {TestLocations.RepositoryRoot} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(info)!;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    private static void Say(string what) => Console.Error.WriteLine(what);
}

internal sealed record Ingest(int Count, TimeSpan Acknowledged, TimeSpan Visible, TimeSpan Documents, TimeSpan Metadata, TimeSpan Cpu);

internal sealed record Latency(TimeSpan Acknowledged, TimeSpan Visible, TimeSpan Document, TimeSpan Metadata);

internal sealed record SideResult(Ingest Ingest, List<Latency> Latencies);

/// <summary>One deployment under test: where its gateway and DICOMweb listen, its database, and its processes.</summary>
internal sealed class Target : IAsyncDisposable
{
    private readonly Func<ValueTask> _stop;

    private Target(string name, HttpClient client, int gatewayPort, string connectionString, Func<IEnumerable<int>> pids, Func<string> output, Func<ValueTask> stop)
    {
        Name = name;
        Client = client;
        GatewayPort = gatewayPort;
        ConnectionString = connectionString;
        Pids = pids;
        Output = output;
        _stop = stop;
    }

    public string Name { get; }

    public HttpClient Client { get; }

    public int GatewayPort { get; }

    public string ConnectionString { get; }

    public Func<IEnumerable<int>> Pids { get; }

    public Func<string> Output { get; }

    /// <summary>Gateway, DICOMweb and indexer as three processes over RabbitMQ, as the system tests run them.</summary>
    public static async Task<Target> SeparateAsync(BrokeredPeers peers)
    {
        // The production default quiet period (the system tests shorten it), the same as the embedded side's.
        var services = await SeparateServices.StartAsync(peers, new Dictionary<string, string> { ["Pacs:Indexer:DocumentQuietPeriod"] = "00:00:01" });
        return new Target("separate", services.DicomWeb.Client, services.GatewayPort, services.ConnectionString,
            () => [services.Gateway.Id, services.DicomWeb.Id, services.Indexer.Id], () => services.Output, services.DisposeAsync);
    }

    /// <summary>Pacs.Server with its gateway and indexer, on a database and a container of its own.</summary>
    public static async Task<Target> EmbeddedAsync(BrokeredPeers peers)
    {
        var folder = new TempFolder();
        string connectionString = await peers.Postgres.CreateDatabaseAsync("embedded");
        int gatewayPort = FreePort.Next();
        var settings = new Dictionary<string, string>
        {
            ["Pacs:DataFolder"] = folder.Folder("data"),
            ["Pacs:Database:Provider"] = "PostgreSql",
            ["Pacs:Database:ConnectionString"] = connectionString,
            ["Pacs:Storage:Provider"] = "AzureBlob",
            ["Pacs:Storage:Endpoint"] = peers.Azurite.ServiceUri.ToString(),
            ["Pacs:Storage:AccountKey"] = AzureBlobStoreOptions.DevelopmentAccountKey,
            ["Pacs:Storage:Container"] = AzuriteFixture.NewContainerName(),
            ["Pacs:Gateway:Port"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Pacs:Gateway:MinimumFreeDiskBytes"] = "1048576",
            ["Pacs:Indexer:DocumentQuietPeriod"] = "00:00:01",
            // The same log format as the separate services (SeparateServices), so neither side pays more for its logs.
            ["Service:Logging:Format"] = "Json",
        };
        ServiceProcess server;
        try
        {
            server = await ServiceProcess.StartAsync("Pacs.Server", settings, urlSetting: "Pacs:Url");
        }
        catch
        {
            folder.Dispose();
            throw;
        }
        return new Target("embedded", server.Client, gatewayPort, connectionString, () => [server.Id], () => server.Output, async () =>
        {
            await server.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            folder.Dispose();
        });
    }

    /// <summary>User and system CPU time of the target's processes so far (/proc/PID/stat, clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        long ticks = 0;
        foreach (int pid in Pids())
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces), from field 3: utime is field 14, stime field 15.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public async Task<int> QidoStudyInstancesAsync(string study)
    {
        using var response = await Client.GetAsync($"dicom-web/studies?StudyInstanceUID={study}&includefield=00201208");
        if (response.StatusCode == HttpStatusCode.NoContent)
            return 0;
        response.EnsureSuccessStatusCode();
        using var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return results.RootElement.EnumerateArray().Sum(r => r.GetProperty("00201208").GetProperty("Value")[0].GetInt32());
    }

    public async Task<bool> QidoFindsInstanceAsync(string study, string sop)
    {
        using var response = await Client.GetAsync($"dicom-web/studies/{study}/instances?SOPInstanceUID={sop}");
        if (response.StatusCode == HttpStatusCode.NoContent)
            return false;
        response.EnsureSuccessStatusCode();
        using var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return results.RootElement.GetArrayLength() == 1;
    }

    /// <summary>
    /// Instances the series metadata lists (only <paramref name="sop"/> when given). The request is made only once the
    /// indexer rebuilt the document, so it reads that document rather than building one on demand.
    /// </summary>
    public async Task<int> MetadataInstancesAsync(string study, string series, string? sop)
    {
        using var response = await Client.GetAsync($"dicom-web/studies/{study}/series/{series}/metadata");
        if (response.StatusCode != HttpStatusCode.OK)
            return 0;
        using var instances = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return instances.RootElement.EnumerateArray()
            .Count(i => sop is null || i.GetProperty("00080018").GetProperty("Value")[0].GetString() == sop);
    }

    /// <summary>Of <paramref name="series"/>, how many the indexer summarised with <paramref name="instances"/> instances and whose document it rebuilt for that revision.</summary>
    public async Task<long> CurrentDocumentsAsync(string[] series, int instances)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM series_summaries WHERE series_instance_uid = ANY(@s) AND number_of_instances = @n "
            + "AND document_built_at IS NOT NULL AND NOT document_stale AND document_revision = revision", connection);
        command.Parameters.AddWithValue("s", series);
        command.Parameters.AddWithValue("n", instances);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public ValueTask DisposeAsync() => _stop();
}
