using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Pacs.Archive;
using Pacs.DicomWeb.Hosting;

namespace Pacs.DicomWeb.Tests.Hosting;

public sealed class PeriodicSweepTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_sweep_removes_temporary_files_older_than_the_setting_and_the_next_ones_wait_that_long()
    {
        var host = new ArchiveHostOptions { TemporaryFilesAfterHours = 24 };
        DateTimeOffset? last = null;

        Assert.Equal(TimeSpan.FromHours(24), ArchiveHosting.PeriodicSweep(host, Start, ref last).TemporaryFilesAfter);
        Assert.Equal(Start, last);
        Assert.Null(ArchiveHosting.PeriodicSweep(host, Start.AddMinutes(15), ref last).TemporaryFilesAfter);
        Assert.Null(ArchiveHosting.PeriodicSweep(host, Start.AddHours(23.9), ref last).TemporaryFilesAfter);
        Assert.Equal(TimeSpan.FromHours(24), ArchiveHosting.PeriodicSweep(host, Start.AddHours(24), ref last).TemporaryFilesAfter);
        Assert.Equal(Start.AddHours(24), last);
    }

    [Fact]
    public void Every_sweep_keeps_the_sweepers_safe_row_thresholds()
    {
        var host = new ArchiveHostOptions();
        DateTimeOffset? last = null;
        var defaults = new SweepOptions();
        foreach (var at in new[] { Start, Start.AddMinutes(15) })
        {
            var options = ArchiveHosting.PeriodicSweep(host, at, ref last);
            Assert.Equal(defaults.StaleCreatingAfter, options.StaleCreatingAfter);
            Assert.Equal(defaults.StaleDeletingAfter, options.StaleDeletingAfter);
            Assert.Equal(defaults.ScanOrphanBlobs, options.ScanOrphanBlobs);
        }
    }

    [Fact]
    public void Zero_hours_never_sweeps_temporary_files()
    {
        var host = new ArchiveHostOptions { TemporaryFilesAfterHours = 0 };
        DateTimeOffset? last = null;
        Assert.Null(ArchiveHosting.PeriodicSweep(host, Start, ref last).TemporaryFilesAfter);
        Assert.Null(ArchiveHosting.PeriodicSweep(host, Start.AddDays(30), ref last).TemporaryFilesAfter);
        Assert.Null(last);
    }

    [Fact]
    public void A_negative_setting_is_refused_at_start_naming_the_key()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pacs:TemporaryFilesAfterHours"] = "-1" });
        var e = Assert.Throws<InvalidOperationException>(() => builder.AddArchiveFromConfiguration());
        Assert.Contains("Pacs:TemporaryFilesAfterHours", e.Message, StringComparison.Ordinal);
    }
}
