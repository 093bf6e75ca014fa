using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Pacs.Archive;

/// <summary>
/// The index on SQLite (the embedded default). Watermarks come from the instances table's
/// <c>INTEGER PRIMARY KEY AUTOINCREMENT</c>: SQLite hands them out under its single writer lock and never reuses one,
/// even after the newest row is deleted, which is what a sequence promises. Timestamps are stored as integers so that
/// the sweeper's "older than" comparisons run in SQL.
/// </summary>
public sealed class SqliteArchiveDbContext : ArchiveDbContext
{
    public SqliteArchiveDbContext(DbContextOptions<SqliteArchiveDbContext> options) : base(options)
    {
    }

    internal override bool IsPostgres => false;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Always written in UTC, so the binary form (ticks and offset in one integer) sorts in time order.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void ConfigureProvider(ModelBuilder modelBuilder)
    {
        // EF emits AUTOINCREMENT for generated integer keys on SQLite; said here so it is not a surprise.
        modelBuilder.Entity<InstanceRow>().Property(i => i.Watermark).ValueGeneratedOnAdd();
    }
}
