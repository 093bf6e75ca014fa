using System.Globalization;
using Pacs.Gateway.Tests.Support;

namespace Pacs.Gateway.Tests;

/// <summary>The forwarder wakes for each object spooled, also after a request that finished while it waited for work.</summary>
public sealed class ForwarderWakeTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    [Fact(Timeout = 180_000)]
    public async Task Objects_stored_one_at_a_time_are_each_forwarded_without_waiting_for_the_idle_poll()
    {
        using var folder = new TempFolder();
        using var studies = GeneratedStudies.Generate("--patients", "3", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "1",
            "--rows", "8", "--cols", "8", "--seed", "4011", "--uid-root", "1.2.826.0.1.3680043.10.1040.11");
        var archivePort = FreePort.Next();
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort);

        // Each object arrives after the previous one was delivered: the forwarder sent a request while also waiting for
        // new work, the request finished first, and the next object must still wake it. The deadline is half the
        // forwarder's 30 s idle poll, so an object that was only picked up by the poll fails the test.
        for (int i = 0; i < studies.Instances.Count; i++)
        {
            var result = await Dcmtk.RunAsync("storescu", ["-R", "-aet", "CT1", "-aec", "PACS", "127.0.0.1",
                gateway.Port.ToString(CultureInfo.InvariantCulture), studies.FullPath(studies.Instances[i])], ToolTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            long expected = i + 1;
            await Eventually.WaitAsync(() => gateway.Forwarder.DeliveredCount == expected, TimeSpan.FromSeconds(15), $"object {expected} forwarded");
        }
        Assert.Equal(3, await archive.CountAsync());
    }
}
