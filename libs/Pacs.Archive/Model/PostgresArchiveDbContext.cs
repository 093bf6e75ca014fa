using Microsoft.EntityFrameworkCore;

namespace Pacs.Archive;

/// <summary>The index on PostgreSQL (production): watermarks from the <c>instance_watermark</c> sequence.</summary>
public sealed class PostgresArchiveDbContext : ArchiveDbContext
{
    public PostgresArchiveDbContext(DbContextOptions<PostgresArchiveDbContext> options) : base(options)
    {
    }

    internal override bool IsPostgres => true;

    protected override void ConfigureProvider(ModelBuilder modelBuilder)
    {
        modelBuilder.HasSequence<long>(WatermarkSequence);
        modelBuilder.Entity<InstanceRow>().Property(i => i.Watermark).UseSequence(WatermarkSequence);
    }
}
