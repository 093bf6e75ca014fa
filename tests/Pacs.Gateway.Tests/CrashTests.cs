using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Pacs.Gateway.Tests.Support;

namespace Pacs.Gateway.Tests;

/// <summary>The gateway killed with SIGKILL while it spools and forwards: nothing it acknowledged is lost.</summary>
public sealed class CrashTests
{
    [Fact(Timeout = 900_000)]
    public async Task Gateway_sigkilled_during_spooling_and_forwarding_loses_nothing_it_acknowledged()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "3", "--instances-per-series", "200",
            "--rows", "128", "--cols", "128", "--seed", "4301", "--uid-root", "1.2.826.0.1.3680043.10.1040.43");
        var files = studies.Instances.Select(i => (Path: studies.FullPath(i), i.SopInstanceUid)).ToList();
        var archivePort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var spool = folder.Folder("spool");
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);

        // Warm the archive up (its first ingest compiles a lot), so that forwarding keeps pace from the start.
        using var warmUp = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "1",
            "--rows", "8", "--cols", "8", "--seed", "4302");
        using (var uploader = new Pacs.Gateway.Archive.StowRsArchiveUploader(new GatewayOptions { ArchiveUrl = ArchiveServer.UrlFor(archivePort) }))
        {
            var path = warmUp.FullPath(warmUp.Instances[0]);
            var warmed = await uploader.UploadAsync([new Pacs.Gateway.Archive.ArchiveUploadItem(path, warmUp.Instances[0].SopInstanceUid, new FileInfo(path).Length)], CancellationToken.None);
            Assert.Equal(Pacs.Gateway.Archive.ArchiveUploadStatus.Stored, warmed[0].Status);
        }

        var baseline = await archive.CountAsync();

        // First life: storescu sends everything while the forwarder is already emptying the spool; killed midway.
        var first = await GatewayProcess.StartAsync(gatewayPort, spool, archivePort);
        var arguments = new List<string> { "-v", "-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", gatewayPort.ToString(CultureInfo.InvariantCulture) };
        arguments.AddRange(files.Select(f => f.Path));
        var storescu = Dcmtk.RunAsync("storescu", arguments, TimeSpan.FromMinutes(10));
        await Eventually.WaitAsync(async () => await archive.CountAsync() >= baseline + 5 || storescu.IsCompleted, TimeSpan.FromMinutes(3), "forwarding under way");
        Assert.False(storescu.IsCompleted, $"storescu finished before the kill ({await archive.CountAsync()} forwarded by then); the test would not kill during spooling. Gateway:\n{first.Output}");

        // The archive can ingest as fast as storescu stores, so a backlog is made, not hoped for: the archive's index
        // writer is held (its ingests wait), the gateway keeps acknowledging into its spool, and the kill comes once the
        // spool's archive queue holds more than the forwarder can have in flight (Parallelism 2 x BatchSize 4) plus the
        // one object whose response may not have reached storescu yet.
        const int Backlog = 12;
        var (held, release) = await HoldTheArchiveWriterAsync(archive);
        try
        {
            await Eventually.WaitAsync(() => Directory.EnumerateFiles(Path.Combine(spool, "archive")).Count() >= Backlog || storescu.IsCompleted,
                TimeSpan.FromMinutes(3), "a backlog in the spool");
            Assert.False(storescu.IsCompleted, $"storescu finished before the spool held {Backlog} objects waiting. Gateway:\n{first.Output}");
            first.Kill();
        }
        finally
        {
            release.SetResult();
            await held;
        }
        var sent = await storescu;

        var acknowledged = Acknowledged(sent.Output);
        Assert.True(acknowledged.Count >= 5 && acknowledged.Count < files.Count, $"{acknowledged.Count} acknowledged before the kill:\n{sent.Output[^Math.Min(2000, sent.Output.Length)..]}");
        var archivedAtKill = await archive.CountAsync() - baseline;
        Assert.True(archivedAtKill < acknowledged.Count, "everything acknowledged was already forwarded at the kill; forwarding was not interrupted");

        // Second life on the same spool: it resumes; the archive ends with every acknowledged object, byte for byte.
        using var second = await GatewayProcess.StartAsync(gatewayPort, spool, archivePort);
        var expected = acknowledged.Select(path => files.Single(f => f.Path == path)).ToList();
        await Eventually.WaitAsync(async () =>
        {
            var stored = await archive.InstancesAsync();
            return expected.All(f => stored.ContainsKey(f.SopInstanceUid));
        }, TimeSpan.FromMinutes(5), "every acknowledged object in the archive after the restart");
        await Eventually.WaitAsync(() => !Directory.EnumerateFiles(Path.Combine(spool, "archive")).Any(), TimeSpan.FromMinutes(2), "the spool emptied");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(spool, "incoming")));
        Assert.False(Directory.Exists(Path.Combine(spool, "failed", "archive")) && Directory.EnumerateFiles(Path.Combine(spool, "failed", "archive")).Any(), "something was quarantined");

        var instances = await archive.InstancesAsync();
        foreach (var file in expected)
        {
            Assert.Equal(Part10.DatasetSha256(file.Path), await archive.DatasetSha256Async(instances[file.SopInstanceUid].BlobName));
        }

        // An object cut off by the kill was never acknowledged; storescu sends it again and it arrives like the others.
        var rest = files.Where(f => !acknowledged.Contains(f.Path)).ToList();
        var again = await Dcmtk.RunAsync("storescu", ["-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1", gatewayPort.ToString(CultureInfo.InvariantCulture), .. rest.Select(f => f.Path)],
            TimeSpan.FromMinutes(5));
        Assert.True(again.ExitCode == 0, again.ToString());
        await Eventually.WaitAsync(async () => await archive.CountAsync() == baseline + files.Count, TimeSpan.FromMinutes(5), "all objects in the archive");
    }

    /// <summary>Occupies the archive's index writer with a unit that waits until released; returns once that unit runs.</summary>
    private static async Task<(Task<bool> Held, TaskCompletionSource Release)> HoldTheArchiveWriterAsync(ArchiveServer archive)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var database = archive.Services.GetRequiredService<Pacs.Archive.ArchiveDatabase>();
        var held = database.WriteAsync(async (_, _) =>
        {
            running.SetResult();
            await release.Task;
            return true;
        }, durable: false);
        await running.Task.WaitAsync(TimeSpan.FromMinutes(1));
        return (held, release);
    }

    /// <summary>The files storescu -v reports a successful C-STORE response for.</summary>
    private static HashSet<string> Acknowledged(string output)
    {
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("I: Sending file: ", StringComparison.Ordinal))
            {
                current = line["I: Sending file: ".Length..].Trim();
            }
            else if (line.StartsWith("I: Received Store Response (Success)", StringComparison.Ordinal) && current is not null)
            {
                acknowledged.Add(current);
                current = null;
            }
        }

        return acknowledged;
    }
}
