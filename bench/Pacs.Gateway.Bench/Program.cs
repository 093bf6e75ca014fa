// The DIMSE side of the benchmarks (bench/gateway-orthanc.sh, docs/benchmarks.md):
//   scp   --port P [--ae PACS] --spool DIR [--max-associations 1100] [--no-fsync]
//         A storage SCP on 127.0.0.1 built on libs/Pacs.Dimse that does on C-STORE what the gateway's acknowledging
//         path does: stream the data set to a spool file, fsync it, rename it to its final name, fsync the folder, then
//         answer success. Used until the embedded server hosts the gateway (AE PACS on 127.0.0.1:11112). Prints
//         "listening PORT" and runs until SIGTERM or SIGINT.
//   idle  --port P [--ae PACS] --count N [--hold SECONDS] [--batch 50] [--pid SERVER_PID]
//         Opens N associations (each verified by a C-ECHO), holds them all open for SECONDS, checks every one still
//         answers a C-ECHO, then releases them. Prints one result line.
//   find  --port P [--ae PACS] --queries FILE [--rounds 5] [--warmup 1]
//         C-FIND latency over one association: each line of FILE is "label TAB level TAB key=value[ TAB key=value...]"
//         (level STUDY, SERIES or IMAGE, Study Root); prints p50/p99 per label and the number of matches of one pass.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Pacs.Dicom;
using Pacs.Dimse;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Pacs.Gateway.Bench scp|idle|find --option value ... (see Program.cs)");
    return 2;
}

var options = Options.Parse(args.Skip(1));
try
{
    return args[0] switch
    {
        "scp" => await SpoolScp.RunAsync(options),
        "idle" => await IdleAssociations.RunAsync(options),
        "find" => await FindLatency.RunAsync(options),
        _ => throw new ArgumentException($"unknown command '{args[0]}'"),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("Pacs.Gateway.Bench: " + e.Message);
    return 2;
}

internal static class Options
{
    public static Dictionary<string, string?> Parse(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? pending = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                    result[pending] = null;
                pending = a[2..];
            }
            else if (pending is not null)
            {
                result[pending] = a;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{a}'");
            }
        }
        if (pending is not null)
            result[pending] = null;
        return result;
    }

    public static string Required(this Dictionary<string, string?> o, string name) =>
        o.GetValueOrDefault(name) ?? throw new ArgumentException($"--{name} is required");

    public static int Int(this Dictionary<string, string?> o, string name, int fallback) =>
        o.GetValueOrDefault(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}

/// <summary>The gateway's acknowledging path without the forwarder: spool, fsync, rename, fsync the folder, answer.</summary>
internal static class SpoolScp
{
    public static async Task<int> RunAsync(Dictionary<string, string?> o)
    {
        int port = o.Int("port", 11112);
        string ae = o.GetValueOrDefault("ae") ?? "PACS";
        string spool = Path.GetFullPath(o.Required("spool"));
        bool fsync = !o.ContainsKey("no-fsync");
        Directory.CreateDirectory(spool);
        var server = DimseServer.Start(new DimseServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Policy = new DimseAssociationPolicy
            {
                CalledAeTitles = [ae],
                // Keep the bytes as sent: every transfer syntax the DICOM core knows.
                StorageTransferSyntaxes = DimseTransferSyntaxes.All,
            },
            ServiceFactory = _ => new SpoolService(spool, fsync),
            MaxAssociations = o.Int("max-associations", 1100),
            ListenBacklog = 2048,
        });
        Console.WriteLine($"listening {server.LocalEndPoint.Port}");
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task.ConfigureAwait(false);
        await server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    private sealed class SpoolService(string folder, bool fsync) : DimseService
    {
        public override ValueTask<Stream> OpenStoreDestinationAsync(DimseRequestContext context, CStoreRequest request, CancellationToken cancellationToken)
        {
            string temp = Path.Combine(folder, request.AffectedSopInstanceUid + ".tmp");
            Stream file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            return ValueTask.FromResult(file);
        }

        public override async ValueTask<DimseStatus> OnStoreCompletedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, CancellationToken cancellationToken)
        {
            var file = (FileStream)destination;
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (fsync)
                file.Flush(flushToDisk: true);
            string temp = file.Name;
            await file.DisposeAsync().ConfigureAwait(false);
            File.Move(temp, Path.ChangeExtension(temp, ".ds"), overwrite: true);
            if (fsync)
                FsyncFolder(folder);
            return DimseStatus.Success;
        }

        public override ValueTask OnStoreAbortedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, Exception reason)
        {
            string temp = ((FileStream)destination).Name;
            destination.Dispose();
            File.Delete(temp);
            return ValueTask.CompletedTask;
        }

        private static void FsyncFolder(string path)
        {
            // A rename is durable only once its folder is synced (POSIX): open(O_RDONLY|O_DIRECTORY) + fsync.
            int fd = Native.Open(path, 0x10000 /* O_DIRECTORY */);
            if (fd < 0)
                throw new IOException($"open {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
            try
            {
                if (Native.Fsync(fd) != 0)
                    throw new IOException($"fsync of {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
            finally
            {
                _ = Native.Close(fd);
            }
        }

        public override void OnServiceFailure(DimseRequestContext context, DimseRequest request, Exception error) =>
            Console.Error.WriteLine($"scp: {request.GetType().Name} failed: {error.Message}");
    }
}

internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}

/// <summary>Many associations held open at once, idle, then checked and released.</summary>
internal static class IdleAssociations
{
    public static async Task<int> RunAsync(Dictionary<string, string?> o)
    {
        int port = o.Int("port", 11112);
        string ae = o.GetValueOrDefault("ae") ?? "PACS";
        int count = o.Int("count", 1000);
        int hold = o.Int("hold", 30);
        int batch = o.Int("batch", 50);
        int? pid = o.ContainsKey("pid") ? o.Int("pid", 0) : null;
        var contexts = new[] { new DimsePresentationContextRequest(DicomUid.Verification, DicomTransferSyntax.ImplicitVRLittleEndian) };
        var clientOptions = new DimseClientOptions
        {
            // Idle is the point: no side may give up during the hold.
            Timeouts = DimseTimeouts.Default with { Idle = TimeSpan.FromSeconds(hold + 120) },
        };
        var open = new List<DimseAssociation>(count);
        var errors = new List<string>();
        long rssBefore = pid is { } p0 ? Proc.RssKib(p0) : 0;
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < count; start += batch)
        {
            var tasks = Enumerable.Range(start, Math.Min(batch, count - start)).Select(async i =>
            {
                try
                {
                    var association = await DimseClient.ConnectAsync("127.0.0.1", port, $"IDLE{i % 10000:D4}", ae, contexts, clientOptions).ConfigureAwait(false);
                    var status = await association.EchoAsync().ConfigureAwait(false);
                    if (status != DimseStatus.Success)
                        throw new InvalidOperationException($"C-ECHO answered {status}");
                    return ((DimseAssociation?)association, (string?)null);
                }
                catch (Exception e) when (e is DimseException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or TimeoutException)
                {
                    return ((DimseAssociation?)null, (string?)$"association {i}: {e.GetType().Name}: {e.Message}");
                }
            }).ToArray();
            foreach (var (association, error) in await Task.WhenAll(tasks).ConfigureAwait(false))
            {
                if (association is not null)
                    open.Add(association);
                if (error is not null)
                    errors.Add(error);
            }
        }
        double openSeconds = clock.Elapsed.TotalSeconds;
        long rssHeld = pid is { } p1 ? Proc.RssKib(p1) : 0;
        int threadsHeld = pid is { } p2 ? Proc.Threads(p2) : 0;
        Console.Error.WriteLine($"idle: {open.Count} of {count} associations open after {openSeconds:F1} s; holding {hold} s ...");
        await Task.Delay(TimeSpan.FromSeconds(hold)).ConfigureAwait(false);

        int alive = 0;
        var checks = open.Select(async a =>
        {
            try
            {
                if (await a.EchoAsync().ConfigureAwait(false) == DimseStatus.Success)
                    Interlocked.Increment(ref alive);
            }
            catch (Exception e) when (e is DimseException or IOException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
            {
                lock (errors)
                    errors.Add($"after the hold: {e.GetType().Name}: {e.Message}");
            }
        });
        await Task.WhenAll(checks).ConfigureAwait(false);
        int released = 0;
        foreach (var chunk in open.Chunk(batch))
        {
            await Task.WhenAll(chunk.Select(async a =>
            {
                try
                {
                    await a.ReleaseAsync().ConfigureAwait(false);
                    Interlocked.Increment(ref released);
                }
                catch (Exception e) when (e is DimseException or IOException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
                {
                    lock (errors)
                        errors.Add($"release: {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    await a.DisposeAsync().ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
        }
        foreach (string e in errors.Take(5))
            Console.Error.WriteLine("idle: " + e);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle requested={count} opened={open.Count} alive_after_hold={alive} released={released} errors={errors.Count} open_seconds={openSeconds:F2} hold_seconds={hold} rss_before_kib={rssBefore} rss_held_kib={rssHeld} threads_held={threadsHeld}"));
        return errors.Count == 0 ? 0 : 1;
    }
}

/// <summary>C-FIND round trips on one open association.</summary>
internal static class FindLatency
{
    public static async Task<int> RunAsync(Dictionary<string, string?> o)
    {
        int port = o.Int("port", 11112);
        string ae = o.GetValueOrDefault("ae") ?? "PACS";
        int rounds = o.Int("rounds", 5);
        int warmup = o.Int("warmup", 1);
        var queries = File.ReadLines(o.Required("queries")).Where(l => l.Length > 0 && l[0] != '#').Select(l =>
        {
            var f = l.Split('\t');
            var level = Enum.Parse<DimseQueryLevel>(f[1], ignoreCase: true);
            var identifier = new DicomDataset();
            foreach (string kv in f.Skip(2))
            {
                int eq = kv.IndexOf('=', StringComparison.Ordinal);
                identifier.Set(DicomTag.Parse(kv[..eq]), kv[(eq + 1)..]);
            }
            return (Label: f[0], Level: level, Identifier: identifier);
        }).ToArray();
        var contexts = new[] { new DimsePresentationContextRequest(DicomUid.StudyRootQueryRetrieveInformationModelFind, DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ImplicitVRLittleEndian) };
        await using var association = await DimseClient.ConnectAsync("127.0.0.1", port, "BENCHFIND", ae, contexts).ConfigureAwait(false);
        var samples = new Dictionary<string, List<double>>();
        var matches = new Dictionary<string, long>();
        int failures = 0;
        for (int round = 0; round < warmup + rounds; round++)
        {
            foreach (var q in queries)
            {
                var clock = Stopwatch.StartNew();
                long n = 0;
                try
                {
                    await foreach (var _ in association.FindAsync(DimseQueryRoot.StudyRoot, q.Level, q.Identifier).ConfigureAwait(false))
                        n++;
                }
                catch (DimseException e)
                {
                    if (failures++ < 5)
                        Console.Error.WriteLine($"find: {q.Label}: {e.Message}");
                    continue;
                }
                double ms = clock.Elapsed.TotalMilliseconds;
                if (round == 0)
                    matches[q.Label] = matches.GetValueOrDefault(q.Label) + n;
                if (round >= warmup)
                {
                    if (!samples.TryGetValue(q.Label, out var list))
                        samples[q.Label] = list = [];
                    list.Add(ms);
                }
            }
        }
        await association.ReleaseAsync().ConfigureAwait(false);
        foreach (string label in queries.Select(q => q.Label).Distinct())
        {
            var s = samples.GetValueOrDefault(label) ?? [];
            s.Sort();
            Console.WriteLine(string.Join('\t', "find", label, s.Count.ToString(CultureInfo.InvariantCulture),
                Options.F(Percentile(s, 50)), Options.F(Percentile(s, 99)), matches.GetValueOrDefault(label).ToString(CultureInfo.InvariantCulture)));
        }
        return failures == 0 ? 0 : 1;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal static class Proc
{
    public static long RssKib(int pid) => Field(pid, "VmRSS:");

    public static int Threads(int pid) => (int)Field(pid, "Threads:");

    private static long Field(int pid, string key)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
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
}
