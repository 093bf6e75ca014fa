using System.Diagnostics;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Robustness;
using Pacs.Dimse.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Dimse.Tests.Host;

public sealed class IdleAssociationsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_thousand_idle_associations_are_held_then_released()
    {
        const int count = 1000;
        await using var scp = TestScp.Start(configure: o => o with { MaxAssociations = count + 10 });
        var options = new DimseClientOptions { Timeouts = TestTimeouts.Short with { Idle = TimeSpan.FromMinutes(2) } };

        // Warm up the code paths once so the measurement sees associations, not JIT and first-use tables.
        await using (var warm = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "IDLE", TestScp.AeTitle, [new DimsePresentationContextRequest(DicomUid.Verification)], options))
        {
            await warm.EchoAsync();
        }

        await MisbehavingPeerTests.WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
        var (heapBefore, workingSetBefore) = Measure();
        var clock = Stopwatch.StartNew();

        var associations = new List<DimseAssociation>(count);
        for (var batch = 0; batch < count; batch += 50)
        {
            associations.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
                DimseClient.ConnectAsync("127.0.0.1", scp.Port, "IDLE", TestScp.AeTitle, [new DimsePresentationContextRequest(DicomUid.Verification)], options))));
        }

        var opened = clock.Elapsed;
        await MisbehavingPeerTests.WaitUntilAsync(() => scp.Server.ActiveAssociations == count);
        var (heapHeld, workingSetHeld) = Measure();

        // Every one is alive: a sample answers an echo.
        foreach (var association in associations.Where((_, i) => i % 100 == 0))
        {
            Assert.Equal(DimseStatus.Success, await association.EchoAsync());
        }

        clock.Restart();
        await Task.WhenAll(associations.Select(a => a.ReleaseAsync()));
        var released = clock.Elapsed;
        await MisbehavingPeerTests.WaitUntilAsync(() => scp.Server.ActiveConnections == 0);
        foreach (var association in associations)
        {
            Assert.Equal(AssociationState.Sta1Idle, association.State);
            await association.DisposeAsync();
        }

        var heapPer = (heapHeld - heapBefore) / (double)count;
        var workingSetPer = (workingSetHeld - workingSetBefore) / (double)count;
        output.WriteLine($"{count} idle associations (client and server ends in this one process): opened in {opened.TotalSeconds:0.00} s, released in {released.TotalSeconds:0.00} s");
        output.WriteLine($"managed heap +{(heapHeld - heapBefore) / 1048576.0:0.0} MiB ({heapPer / 1024:0.0} KiB per association, both ends); working set +{(workingSetHeld - workingSetBefore) / 1048576.0:0.0} MiB ({workingSetPer / 1024:0.0} KiB per association)");

        // A generous bound that still catches a per-association buffer of the PDU size (128 KiB) creeping back in.
        Assert.True(heapPer < 64 * 1024, $"{heapPer:0} managed bytes per idle association");
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
