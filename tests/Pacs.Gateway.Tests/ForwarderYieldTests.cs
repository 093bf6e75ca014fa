using Pacs.Dicom;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Forwarding;
using Pacs.Gateway.Spool;

namespace Pacs.Gateway.Tests;

/// <summary>
/// The forwarder holds back while objects keep arriving, so that a modality's C-STOREs do not wait behind the archive's
/// ingest for the disk, and never longer than the configured maximum during one stream of arrivals.
/// </summary>
public sealed class ForwarderYieldTests
{
    private static (ArchiveForwarder Forwarder, GatewaySpool Spool, StowRsArchiveUploader Uploader) Create(string folder, TimeSpan window, TimeSpan max)
    {
        var options = new GatewayOptions { SpoolFolder = folder };
        options.Forwarding.YieldToIncoming = window;
        options.Forwarding.MaxYield = max;
        var spool = new GatewaySpool(options);

        // Never called here: only the decision to hold back is under test.
        var uploader = new StowRsArchiveUploader(new GatewayOptions { ArchiveUrl = "http://127.0.0.1:9/dicom-web" });
        return (new ArchiveForwarder(options, spool, uploader), spool, uploader);
    }

    [Fact]
    public async Task A_committed_object_is_the_arrival_the_forwarder_holds_back_for()
    {
        using var folder = new TempFolder();
        var (forwarder, spool, uploader) = Create(folder.Path, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        using var _ = uploader;
        Assert.Equal(0, spool.LastCommitTick);
        Assert.Null(forwarder.YieldDelay(Environment.TickCount64, spool.LastCommitTick));

        var before = Environment.TickCount64;
        await using (var writer = spool.Begin(DicomUid.CTImageStorage, "1.2.3.4", DicomTransferSyntax.ExplicitVRLittleEndian))
        {
            writer.Write(new byte[64]);
            await spool.CommitAsync(writer, [], CancellationToken.None);
        }

        var committed = spool.LastCommitTick;
        Assert.InRange(committed, before, Environment.TickCount64);
        Assert.Equal(TimeSpan.FromMilliseconds(250), forwarder.YieldDelay(committed, committed));
        Assert.Equal(1, spool.Archive.Count);
    }

    [Fact]
    public void The_forwarder_waits_out_a_pause_in_arrivals_and_goes_ahead_after_it()
    {
        using var folder = new TempFolder();
        var (forwarder, _, uploader) = Create(folder.Path, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        using var _u = uploader;
        Assert.Equal(TimeSpan.FromMilliseconds(150), forwarder.YieldDelay(now: 10_100, last: 10_000));
        Assert.Null(forwarder.YieldDelay(now: 10_250, last: 10_000));
        Assert.Null(forwarder.YieldDelay(now: 60_000, last: 10_000));
    }

    [Fact]
    public void An_unbroken_stream_of_arrivals_is_yielded_to_for_max_yield_only()
    {
        using var folder = new TempFolder();
        var (forwarder, _, uploader) = Create(folder.Path, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        using var _u = uploader;

        // An object every 100 ms from t = 1 s: held back until 5 s into the stream, then forwarding goes on alongside.
        for (long now = 1_000; now < 6_000; now += 100)
        {
            Assert.NotNull(forwarder.YieldDelay(now, last: now - 10));
        }

        Assert.Null(forwarder.YieldDelay(now: 6_000, last: 5_990));
        Assert.Null(forwarder.YieldDelay(now: 9_000, last: 8_990));

        // After a pause the next stream is yielded to again.
        Assert.Null(forwarder.YieldDelay(now: 10_000, last: 9_000));
        Assert.NotNull(forwarder.YieldDelay(now: 10_100, last: 10_050));
    }

    [Fact]
    public void A_zero_window_forwards_at_once()
    {
        using var folder = new TempFolder();
        var (forwarder, _, uploader) = Create(folder.Path, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        using var _u = uploader;
        Assert.Null(forwarder.YieldDelay(now: 10_001, last: 10_000));
    }
}
