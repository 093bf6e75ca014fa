using System.Globalization;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Hosting;
using Pacs.Gateway.Tests.Support;
using Xunit.Abstractions;

namespace Pacs.Gateway.Tests;

/// <summary>
/// Modalities and workstations that keep associations open between studies: the standalone gateway, with its default
/// settings, holds a thousand of them at once without running out of descriptors, threads or memory, and gives every
/// resource back when they are released.
/// </summary>
public sealed class IdleAssociationsTests(ITestOutputHelper output)
{
    private const int Count = 1000;

    [Fact(Timeout = 600_000)]
    public async Task A_thousand_simultaneous_idle_associations_are_held_by_the_gateway_with_default_settings_and_released_without_leaks()
    {
        using var folder = new TempFolder();

        // Nobody listens at the archive's URL: with an empty spool the forwarder never calls it, and idle associations
        // must not depend on it.
        using var gateway = await GatewayProcess.StartWithDefaultsAsync(FreePort.Next(), folder.Folder("spool"), FreePort.Next());
        var port = gateway.Port;
        var contexts = new[] { new DimsePresentationContextRequest(DicomUid.Verification, DicomTransferSyntax.ImplicitVRLittleEndian) };
        var options = new DimseClientOptions { Timeouts = DimseTimeouts.Default with { Idle = TimeSpan.FromMinutes(5) } };

        // One association first, so that what follows is measured against a process that has run the code once.
        await using (var first = await DimseClient.ConnectAsync("127.0.0.1", port, "IDLEWARM", gateway.AeTitle, contexts, options))
        {
            Assert.Equal(DimseStatus.Success, await first.EchoAsync());
        }

        var before = Resources.Of(gateway.Id);
        var open = new List<DimseAssociation>(Count);
        try
        {
            for (var start = 0; start < Count; start += 100)
            {
                open.AddRange(await Task.WhenAll(Enumerable.Range(start, 100).Select(async i =>
                {
                    var association = await DimseClient.ConnectAsync("127.0.0.1", port, string.Create(CultureInfo.InvariantCulture, $"IDLE{i:D4}"), gateway.AeTitle, contexts, options);
                    Assert.Equal(DimseStatus.Success, await association.EchoAsync());
                    return association;
                })));
            }

            // All of them at once, none given up by the gateway: each answers another C-ECHO now that all are open.
            var answers = await Task.WhenAll(open.Select(a => a.EchoAsync()));
            Assert.All(answers, status => Assert.Equal(DimseStatus.Success, status));
            var held = Resources.Of(gateway.Id);
            output.WriteLine($"gateway before: {before}; holding {Count}: {held}");

            // Each association is one socket in the gateway, nothing more: descriptors grow by the count, threads do not
            // (no thread per association), and memory grows by far less than a receive buffer of the negotiated
            // maximum PDU length (the gateway's default is 128 KiB) per association.
            // (The runtime opens and closes a few descriptors of its own meanwhile: a margin either side.)
            Assert.InRange(held.Descriptors - before.Descriptors, Count - 25, Count + 50);
            Assert.True(held.Threads < before.Threads + 50, $"threads: {before.Threads} before, {held.Threads} holding {Count} associations");
            var perAssociationKib = (held.RssKib - before.RssKib) / (double)Count;
            Assert.True(perAssociationKib < 64, $"resident memory grew by {perAssociationKib:0.0} KiB per idle association ({before.RssKib} -> {held.RssKib} KiB)");

            await Task.WhenAll(open.Select(a => a.ReleaseAsync()));
        }
        finally
        {
            foreach (var association in open)
            {
                await association.DisposeAsync();
            }
        }

        // Every socket is closed on the gateway's side once released.
        await Eventually.WaitAsync(() => Resources.Of(gateway.Id).Descriptors <= before.Descriptors + 25, TimeSpan.FromMinutes(1), "the gateway's descriptors back to where they were");
        await using (var after = await DimseClient.ConnectAsync("127.0.0.1", port, "IDLEAFTER", gateway.AeTitle, contexts, options))
        {
            Assert.Equal(DimseStatus.Success, await after.EchoAsync());
        }

        output.WriteLine($"gateway after release: {Resources.Of(gateway.Id)}");
    }

    [Fact]
    public void The_gateway_warns_at_start_when_the_descriptor_limit_is_below_max_associations_and_headroom()
    {
        var limits = new[]
        {
            "Limit                     Soft Limit           Hard Limit           Units     ",
            "Max processes             95698                95698                processes ",
            "Max open files            1024                 524288               files     ",
        };
        Assert.Equal(1024, GatewayHost.ParseOpenFileLimit(limits));
        Assert.Null(GatewayHost.ParseOpenFileLimit(["Max open files            unlimited            unlimited            files     "]));

        // Debian's default soft limit of 1,024, had .NET not raised it: the default 2,000 associations would not fit.
        var warning = GatewayHost.DescriptorLimitWarning(1024, new GatewayOptions().MaxAssociations);
        Assert.NotNull(warning);
        Assert.Contains("MaxAssociations (2000)", warning, StringComparison.Ordinal);
        Assert.Null(GatewayHost.DescriptorLimitWarning(2000 + GatewayHost.DescriptorHeadroom, 2000));
        Assert.NotNull(GatewayHost.DescriptorLimitWarning(2000 + GatewayHost.DescriptorHeadroom - 1, 2000));
        Assert.Null(GatewayHost.DescriptorLimitWarning(null, 2000));
    }

    /// <summary>What Linux says a process uses (/proc/{pid}).</summary>
    private readonly record struct Resources(int Descriptors, int Threads, long RssKib)
    {
        public static Resources Of(int pid)
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            long Field(string name) => long.Parse(status.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return new Resources(Directory.GetFiles($"/proc/{pid}/fd").Length, (int)Field("Threads"), Field("VmRSS"));
        }

        public override string ToString() => $"{Descriptors} descriptors, {Threads} threads, {RssKib / 1024.0:0.0} MiB resident";
    }
}
