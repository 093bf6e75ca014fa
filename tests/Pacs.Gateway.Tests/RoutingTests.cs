using System.Globalization;
using Pacs.Gateway.Tests.Support;

namespace Pacs.Gateway.Tests;

/// <summary>Routing rules forwarding what arrives to further DIMSE destinations, with DCMTK's storescp as the destination.</summary>
public sealed class RoutingTests
{
    [Fact(Timeout = 300_000)]
    public async Task Objects_matching_a_rule_are_queued_while_the_destination_is_down_and_delivered_to_storescp_when_it_comes_up()
    {
        using var folder = new TempFolder();
        using var ct = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "6",
            "--rows", "8", "--cols", "8", "--seed", "4201", "--modalities", "CT");
        using var mr = GeneratedStudies.Generate("--patients", "1", "--studies-per-patient", "1", "--series-per-study", "1", "--instances-per-series", "4",
            "--rows", "8", "--cols", "8", "--seed", "4202", "--modalities", "MR");
        var archivePort = FreePort.Next();
        var viewerPort = FreePort.Next();
        await using var archive = await ArchiveServer.StartAsync(folder.Folder("archive"), archivePort);
        await using var gateway = await GatewayUnderTest.StartAsync(folder.Folder("spool"), archivePort, o =>
        {
            o.Destinations = [new DimseDestination { AeTitle = "VIEWER", Host = "127.0.0.1", Port = viewerPort }];
            o.Routes = [new GatewayRoute { Name = "ct-to-viewer", Modalities = ["CT"], CallingAeTitles = ["CT*"], Destinations = ["VIEWER"] }];
        });

        await StoreAsync(gateway, ct, "CT1");
        await StoreAsync(gateway, mr, "MR1");
        var queue = gateway.Spool.RouteQueue("VIEWER");
        Assert.Equal(ct.Instances.Count, queue.Count);

        // Nobody listens for VIEWER yet: the forwarder fails and retries; the objects stay queued.
        await Eventually.WaitAsync(async () => await archive.CountAsync() == ct.Instances.Count + mr.Instances.Count, TimeSpan.FromMinutes(2), "everything in the archive");
        Assert.Equal(ct.Instances.Count, queue.Count);
        Assert.Equal(0L, gateway.Router.DeliveredCount);

        var received = folder.Folder("viewer");
        using var storescp = Dcmtk.StartServer("storescp", ["-aet", "VIEWER", "-od", received, viewerPort.ToString(CultureInfo.InvariantCulture)], viewerPort);
        await Eventually.WaitAsync(() => queue.Count == 0, TimeSpan.FromMinutes(2), "the route queue delivered to storescp");
        Assert.Empty(Directory.EnumerateFiles(queue.Folder));
        Assert.Equal(0, queue.QuarantinedCount);

        // storescp names each file after the modality and SOP Instance UID: exactly the CT objects arrived.
        var names = Directory.GetFiles(received).Select(f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(ct.Instances.Select(i => "CT." + i.SopInstanceUid).ToHashSet(), names);
        foreach (var instance in ct.Instances)
        {
            Assert.Equal(Part10.DatasetSha256(ct.FullPath(instance)), Part10.DatasetSha256(Path.Combine(received, "CT." + instance.SopInstanceUid)));
        }
    }

    [Fact]
    public void A_rule_matches_only_when_every_criterion_it_sets_matches()
    {
        var router = new Routing.GatewayRouter(new GatewayOptions
        {
            Destinations = [new DimseDestination { AeTitle = "A", Host = "h" }, new DimseDestination { AeTitle = "B", Host = "h" }],
            Routes =
            [
                new GatewayRoute { Modalities = ["CT"], Destinations = ["A"] },
                new GatewayRoute { CallingAeTitles = ["US?"], SopClassUids = ["1.2.840.10008.5.1.4.1.1.6.*"], Destinations = ["B"] },
            ],
        });
        Assert.Equal(["A"], router.Match("ANY", "1.2.840.10008.5.1.4.1.1.2", "CT"));
        Assert.Empty(router.Match("ANY", "1.2.840.10008.5.1.4.1.1.4", "MR"));
        Assert.Equal(["B"], router.Match("US1", "1.2.840.10008.5.1.4.1.1.6.1", "US"));
        Assert.Empty(router.Match("US12", "1.2.840.10008.5.1.4.1.1.6.1", "US"));
        Assert.Empty(router.Match("US1", "1.2.840.10008.5.1.4.1.1.7", null));
    }

    private static async Task StoreAsync(GatewayUnderTest gateway, GeneratedStudies studies, string callingAe)
    {
        var result = await Dcmtk.RunAsync("storescu", ["-R", "+sd", "+r", "+sp", "*.dcm", "-aet", callingAe, "-aec", "PACS", "127.0.0.1",
            gateway.Port.ToString(CultureInfo.InvariantCulture), studies.Folder], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
