using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Pacs.Messaging.Inbox;

namespace Pacs.Archive;

/// <summary>
/// The archive index: patients, studies, series, instance versions, the change feed and the outbox. One model for
/// both databases; <see cref="SqliteArchiveDbContext"/> and <see cref="PostgresArchiveDbContext"/> add what differs
/// (the watermark generator, how timestamps are stored) and own one migration set each.
/// Tables and columns are snake_case so that the few hand-written statements read the same on both.
/// </summary>
public abstract class ArchiveDbContext : DbContext
{
    /// <summary>Name of the PostgreSQL sequence that numbers instance versions.</summary>
    public const string WatermarkSequence = "instance_watermark";

    protected ArchiveDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<PatientRow> Patients => Set<PatientRow>();

    public DbSet<StudyRow> Studies => Set<StudyRow>();

    public DbSet<SeriesRow> Series => Set<SeriesRow>();

    public DbSet<InstanceRow> Instances => Set<InstanceRow>();

    public DbSet<RequestAttributesRow> RequestAttributes => Set<RequestAttributesRow>();

    public DbSet<ChangeFeedRow> ChangeFeed => Set<ChangeFeedRow>();

    public DbSet<OutboxMessageRow> Outbox => Set<OutboxMessageRow>();

    /// <summary>Consumers' dedupe records (<see cref="InboxStore"/>): the indexer's effects and its records commit together.</summary>
    public DbSet<InboxRow> Inbox => Set<InboxRow>();

    public DbSet<SeriesSummaryRow> SeriesSummaries => Set<SeriesSummaryRow>();

    public DbSet<StudySummaryRow> StudySummaries => Set<StudySummaryRow>();

    /// <summary>True for PostgreSQL, false for SQLite: picks the pattern-matching function in queries.</summary>
    internal abstract bool IsPostgres { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<PatientRow>(e =>
        {
            e.ToTable("patients");
            e.HasKey(p => p.Id);
            // Ingest: find or create the patient of an arriving instance (ON CONFLICT target).
            e.HasIndex(p => p.PatientKey).IsUnique();
            // QIDO: PatientID=… at any level.
            e.HasIndex(p => p.PatientId);
            // QIDO: PatientName=… exact or with a trailing wildcard (btree prefix scan).
            e.HasIndex(p => p.PatientName);
            // QIDO: PatientBirthDate=… single value or range.
            e.HasIndex(p => p.PatientBirthDate);
        });

        modelBuilder.Entity<StudyRow>(e =>
        {
            e.ToTable("studies");
            e.HasKey(s => s.Id);
            // Ingest merge by UID (ON CONFLICT target); QIDO StudyInstanceUID=…; WADO/DELETE of a study.
            e.HasIndex(s => s.StudyInstanceUid).IsUnique();
            // QIDO: studies of a patient (joins from patient-level matches); sweeper: patients left without studies.
            e.HasIndex(s => s.PatientRowId);
            // QIDO: StudyDate=… single value or range (StudyTime alone is rare and filtered after).
            e.HasIndex(s => s.StudyDate);
            // QIDO: StudyDate with StudyTime, combined date-time range matching (PS3.4 C.2.2.2.5.1).
            e.HasIndex(s => s.StudyDateTime);
            // QIDO: AccessionNumber=… (the most common query from RIS-driven viewers).
            e.HasIndex(s => s.AccessionNumber);
            e.HasOne(s => s.Patient).WithMany(p => p.Studies).HasForeignKey(s => s.PatientRowId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<SeriesRow>(e =>
        {
            e.ToTable("series");
            e.HasKey(s => s.Id);
            // Ingest merge by UID (ON CONFLICT target); QIDO SeriesInstanceUID=…; WADO/DELETE of a series.
            e.HasIndex(s => s.SeriesInstanceUid).IsUnique();
            // QIDO: series of a study in Series Number order (/studies/{s}/series); ModalitiesInStudy per study.
            e.HasIndex(s => new { s.StudyRowId, s.SeriesNumber });
            // QIDO: Modality=… and ModalitiesInStudy=… (EXISTS over series of the study).
            e.HasIndex(s => new { s.Modality, s.StudyRowId });
            e.HasOne(s => s.Study).WithMany(s => s.Series).HasForeignKey(s => s.StudyRowId).OnDelete(DeleteBehavior.Restrict);
            // "{long}-{int}": at most 19 + 1 + 10 characters.
            e.Property(s => s.MetadataVersion).HasMaxLength(32);
        });

        modelBuilder.Entity<RequestAttributesRow>(e =>
        {
            e.ToTable("series_request_attributes");
            e.HasKey(r => r.Id);
            // QIDO: RequestAttributesSequence.ScheduledProcedureStepID=… (EXISTS per series).
            e.HasIndex(r => r.ScheduledProcedureStepId);
            // QIDO: RequestAttributesSequence.RequestedProcedureID=… (EXISTS per series).
            e.HasIndex(r => r.RequestedProcedureId);
            // The items of a series (the EXISTS join); removed with their series.
            e.HasIndex(r => r.SeriesRowId);
            e.HasOne(r => r.Series).WithMany(s => s.RequestAttributes).HasForeignKey(r => r.SeriesRowId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<InstanceRow>(e =>
        {
            e.ToTable("instances");
            e.HasKey(i => i.Watermark);
            // Ingest: duplicate check and the version race (two stores of one SOP Instance UID cannot both win);
            // QIDO SOPInstanceUID=…; WADO/DELETE of an instance.
            e.HasIndex(i => new { i.SopInstanceUid, i.Version }).IsUnique();
            // QIDO: instances of a series in Instance Number order, Created only; series counts; WADO of a series.
            e.HasIndex(i => new { i.SeriesRowId, i.Status, i.InstanceNumber });
            // QIDO: study counts (NumberOfStudyRelatedInstances/Series, COUNT DISTINCT of the series answered from the
            // index alone) and visibility of a study; WADO of a study.
            e.HasIndex(i => new { i.StudyRowId, i.Status, i.SeriesRowId });
            // QIDO: SOPClassUID=… at instance level.
            e.HasIndex(i => i.SopClassUid);
            // Sweeper: rows stuck in Creating or Deleting since before a cut-off. Partial, one per status: they hold
            // only the few rows in flight, and a query for Created rows cannot pick them. (A full (status, updated_at)
            // index made SQLite's planner answer SOPInstanceUID=… by walking every Created row: 90 ms instead of 1 ms
            // over 100,000 instances; docs/benchmarks.md.)
            e.HasIndex(i => i.UpdatedAt, "ix_instances_creating_updated_at").HasFilter("status = 0");
            e.HasIndex(i => i.UpdatedAt, "ix_instances_deleting_updated_at").HasFilter("status = 2");
            // Sweeper: is this blob referenced by any row (orphan scan); also guarantees one row per stored object.
            e.HasIndex(i => i.BlobName).IsUnique();
            e.Property(i => i.Status).HasConversion<int>();
            e.Property(i => i.StorageTier).HasConversion<int>();
            e.HasOne(i => i.Series).WithMany(s => s.Instances).HasForeignKey(i => i.SeriesRowId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(i => i.Study).WithMany().HasForeignKey(i => i.StudyRowId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ChangeFeedRow>(e =>
        {
            e.ToTable("change_feed");
            // The primary key serves the change feed read: entries after a sequence number, in order.
            e.HasKey(c => c.Sequence);
            e.Property(c => c.Action).HasConversion<int>();
        });

        modelBuilder.Entity<OutboxMessageRow>(e =>
        {
            e.ToTable("outbox");
            e.HasKey(o => o.Id);
            // Outbox dispatcher: messages not yet dispatched, oldest first.
            e.HasIndex(o => new { o.DispatchedAt, o.Id });
            e.Property(o => o.OrderingKey).HasMaxLength(64);
            e.Property(o => o.TraceParent).HasMaxLength(128);
        });

        modelBuilder.AddPacsInbox();

        modelBuilder.Entity<SeriesSummaryRow>(e =>
        {
            e.ToTable("series_summaries");
            // The indexer's upsert of one series per event.
            e.HasKey(s => s.SeriesInstanceUid);
            // Study aggregates from the series of a study.
            e.HasIndex(s => s.StudyInstanceUid);
            // The document refresher: stale series, quietest first.
            e.HasIndex(s => new { s.DocumentStale, s.UpdatedAt });
            // Two indexer instances applying events of one series at once: the second's update fails and is retried.
            e.Property(s => s.Revision).IsConcurrencyToken();
        });

        modelBuilder.Entity<StudySummaryRow>(e =>
        {
            e.ToTable("study_summaries");
            e.HasKey(s => s.StudyInstanceUid);
            e.Property(s => s.Revision).IsConcurrencyToken();
        });

        ConfigureProvider(modelBuilder);
        ApplySnakeCaseNames(modelBuilder);
    }

    /// <summary>What differs between the databases: the watermark generator, timestamp storage.</summary>
    protected abstract void ConfigureProvider(ModelBuilder modelBuilder);

    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (IMutableEntityType entity in modelBuilder.Model.GetEntityTypes())
        {
            string table = entity.GetTableName()!;
            foreach (IMutableProperty property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
            foreach (IMutableKey key in entity.GetKeys())
                key.SetName($"pk_{table}");
            foreach (IMutableForeignKey foreignKey in entity.GetForeignKeys())
                foreignKey.SetConstraintName($"fk_{table}_{string.Join('_', foreignKey.Properties.Select(p => SnakeCase(p.Name)))}");
            foreach (IMutableIndex index in entity.GetIndexes())
                index.SetDatabaseName(index.Name ?? $"ix_{table}_{string.Join('_', index.Properties.Select(p => SnakeCase(p.Name)))}");
        }
    }

    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
