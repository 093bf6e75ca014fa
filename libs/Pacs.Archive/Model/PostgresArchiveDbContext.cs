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
        // QIDO wildcards become LIKE 'abc%'; in a database whose collation is not C, only a text_pattern_ops btree
        // serves such a prefix (and equality). Range-matched columns (dates, times) keep the default operators.
        modelBuilder.Entity<PatientRow>().HasIndex(p => p.PatientName).HasOperators("text_pattern_ops");
        modelBuilder.Entity<PatientRow>().HasIndex(p => p.PatientId).HasOperators("text_pattern_ops");
        modelBuilder.Entity<StudyRow>().HasIndex(s => s.AccessionNumber).HasOperators("text_pattern_ops");
        // fuzzymatching=true: every word must start a component of the normalised name, LIKE '% word%'. No btree
        // serves a pattern that starts with a wildcard; a trigram index does (pg_trgm, trusted since PostgreSQL 13,
        // so the database owner may create it).
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.Entity<PatientRow>().HasIndex(p => p.PatientNameFuzzy).HasMethod("gin").HasOperators("gin_trgm_ops");
        modelBuilder.Entity<StudyRow>().HasIndex(s => s.ReferringPhysicianNameFuzzy).HasMethod("gin").HasOperators("gin_trgm_ops");
    }
}
