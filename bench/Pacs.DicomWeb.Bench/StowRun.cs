using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Pacs.DicomWeb.Bench;

/// <summary>
/// STOW-RS load: the files of a list, cut into requests of N parts in list order, sent by C concurrent workers over
/// keep-alive connections. Every response is checked: a part counts as stored only when the server lists it in
/// ReferencedSOPSequence (0008,1199). Optionally samples a server process's resident set while it runs.
/// </summary>
internal static class StowRun
{
    public static async Task<int> RunAsync(Options o)
    {
        string url = o.Required("url").TrimEnd('/') + "/studies";
        var files = ReadList(o.Required("list"));
        int concurrency = o.Int("concurrency", 4);
        int perRequest = o.Int("per-request", 1);
        int? pid = o.Has("pid") ? o.Int("pid", 0) : null;
        bool progress = o.Has("progress");

        var batches = files.Chunk(perRequest).ToArray();
        using var client = Http.Client(concurrency);
        using var sampler = pid is { } p ? new RssSampler(p) : null;
        double cpuStart = pid is { } q ? ProcessCpuSeconds(q) : 0;
        // The client's own CPU: on a machine where it shares the cores with the server, it is part of what a rate costs.
        var clientCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long stored = 0, failedParts = 0, doneRequests = 0;
        var errors = new List<string>();
        int next = -1;
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= batches.Length)
                    return;
                var batch = batches[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new MultipartFilesContent(batch, "pacs-bench-" + Guid.NewGuid().ToString("N")),
                };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                int referenced = CountReferenced(body);
                Interlocked.Add(ref stored, referenced);
                Interlocked.Add(ref failedParts, batch.Length - referenced);
                if (referenced != batch.Length)
                {
                    lock (errors)
                    {
                        if (errors.Count < 5)
                            errors.Add($"HTTP {(int)response.StatusCode}: {batch.Length - referenced} of {batch.Length} parts not stored: {Truncate(body)}");
                    }
                }
                long done = Interlocked.Increment(ref doneRequests);
                if (progress && done % Math.Max(1, batches.Length / 20) == 0)
                    Console.Error.WriteLine($"  {done}/{batches.Length} requests, {clock.Elapsed.TotalSeconds:F0} s");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        double clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuStart).TotalSeconds;
        long bytes = files.Sum(f => f.Length);
        foreach (string e in errors)
            Console.Error.WriteLine("stow: " + e);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"stow instances={stored} failed={failedParts} bytes={bytes} seconds={seconds:F3} requests={batches.Length} concurrency={concurrency} per_request={perRequest} client_cpu_seconds={clientCpu:F2}");
        if (sampler is not null)
        {
            var (start, peak, hwm) = sampler.Stop();
            double cpu = ProcessCpuSeconds(pid!.Value) - cpuStart;
            line += string.Create(CultureInfo.InvariantCulture, $" rss_start_kib={start} rss_peak_kib={peak} hwm_kib={hwm} server_cpu_seconds={cpu:F2}");
        }
        Console.WriteLine(line);
        return failedParts == 0 ? 0 : 1;
    }

    /// <summary>
    /// User plus system CPU time a process has used so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s
    /// on Linux). On a shared machine the CPU a server spends per instance is steadier than its rate, which depends on
    /// how much CPU the others leave it.
    /// </summary>
    private static double ProcessCpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static List<BenchFile> ReadList(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => new BenchFile(l, new FileInfo(l).Length)).ToList();

    private static int CountReferenced(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
                root = root[0];
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("00081199", out var seq) && seq.TryGetProperty("Value", out var items))
                return items.GetArrayLength();
        }
        catch (JsonException)
        {
        }
        return 0;
    }

    private static string Truncate(byte[] body) =>
        System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ");
}

/// <summary>Samples VmRSS of a process every 20 ms; also reads its VmHWM (peak since start) at the end.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _start;
    private long _peak;

    public RssSampler(int pid)
    {
        _pid = pid;
        _start = Read("VmRSS:");
        _peak = _start;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                long rss = Read("VmRSS:");
                if (rss > _peak)
                    _peak = rss;
                try
                {
                    await Task.Delay(20, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public (long StartKib, long PeakKib, long HwmKib) Stop()
    {
        _stop.Cancel();
        _loop.Wait();
        long last = Read("VmRSS:");
        return (_start, Math.Max(_peak, last), Read("VmHWM:"));
    }

    private long Read(string key)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
