using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Pacs.Archive;

/// <summary>
/// The ingest's per-instance statements, written by hand against the schema of the EF model (its migrations stay the
/// one definition of the tables): the lookup of a SOP Instance's versions and its series, the insert of the Creating
/// row returning its watermark, and the acknowledging update with its change feed and outbox rows. Through EF these
/// cost most of the index's CPU per instance (query compilation cache lookups, change tracking, command building,
/// diagnostics); here each is one kept command of the group commit's session with its parameters set in place.
/// Rare paths (new patient, study or series; replacing a version; compensation) stay on EF.
/// Identifiers are quoted: both databases read the same text.
/// </summary>
internal static class IngestStatements
{
    // SQLite stores timestamps as DateTimeOffset.ToBinary-like integers (SqliteArchiveDbContext's convention); the
    // model's own converter keeps the encoding identical to what EF writes and reads.
    private static readonly Func<DateTimeOffset, long> SqliteTime = new DateTimeOffsetToBinaryConverter().ConvertToProviderTyped;

    /// <summary>One stored version of a SOP Instance, as the duplicate check needs it.</summary>
    internal readonly record struct StoredVersion(long Watermark, int Version, InstanceStatus Status, byte[] Sha256);

    /// <summary>The versions of the SOP Instance and the series row (if known), in one round trip.</summary>
    internal readonly record struct Lookup(List<StoredVersion>? Versions, long SeriesRowId, long StudyRowId)
    {
        public bool SeriesKnown => SeriesRowId != 0;
    }

    private const string LookupSql =
        """
        SELECT "watermark", "version", "status", "sha256" FROM "instances" WHERE "sop_instance_uid" = @sop;
        SELECT "id", "study_row_id" FROM "series" WHERE "series_instance_uid" = @series LIMIT 1;
        """;

    public static async Task<Lookup> LookupAsync(GroupCommit.Session session, string sopInstanceUid, string seriesInstanceUid,
        CancellationToken cancellationToken)
    {
        var command = session.Command(LookupSql, c =>
        {
            Add(c, "@sop");
            Add(c, "@series");
        });
        command.Parameters[0].Value = sopInstanceUid;
        command.Parameters[1].Value = seriesInstanceUid;
        List<StoredVersion>? versions = null;
        long seriesRowId = 0, studyRowId = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (versions ??= []).Add(new StoredVersion(reader.GetInt64(0), reader.GetInt32(1), (InstanceStatus)reader.GetInt32(2),
                    (byte[])reader.GetValue(3)));
            }
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                seriesRowId = reader.GetInt64(0);
                studyRowId = reader.GetInt64(1);
            }
        }
        return new Lookup(versions, seriesRowId, studyRowId);
    }

    private const string InsertSql =
        """
        INSERT INTO "instances" ("sop_instance_uid", "version", "status", "series_row_id", "study_row_id", "sop_class_uid",
            "instance_number", "acquisition_date_time", "rows", "columns", "bits_allocated", "number_of_frames",
            "transfer_syntax_uid", "sha256", "size_bytes", "blob_name", "storage_tier", "frame_table", "attributes",
            "created_at", "updated_at")
        VALUES (@sop, @version, @status, @series, @study, @class, @number, @acquired, @rows, @columns, @bits, @frames, @syntax,
            @sha, @size, @blob, @tier, @frame_table, @attributes, @now, @now)
        RETURNING "watermark";
        """;

    private static readonly string[] InsertParameters =
    [
        "@sop", "@version", "@status", "@series", "@study", "@class", "@number", "@acquired", "@rows", "@columns", "@bits",
        "@frames", "@syntax", "@sha", "@size", "@blob", "@tier", "@frame_table", "@attributes", "@now",
    ];

    /// <summary>Inserts <paramref name="row"/> (its watermark not set) and returns the watermark the database gave it.</summary>
    public static async Task<long> InsertInstanceAsync(GroupCommit.Session session, InstanceRow row, CancellationToken cancellationToken)
    {
        var command = session.Command(InsertSql, c =>
        {
            foreach (string name in InsertParameters)
                Add(c, name);
        });
        var p = command.Parameters;
        p[0].Value = row.SopInstanceUid;
        p[1].Value = row.Version;
        p[2].Value = (int)row.Status;
        p[3].Value = row.SeriesRowId;
        p[4].Value = row.StudyRowId;
        p[5].Value = row.SopClassUid;
        p[6].Value = OrNull(row.InstanceNumber);
        p[7].Value = (object?)row.AcquisitionDateTime ?? DBNull.Value;
        p[8].Value = OrNull(row.Rows);
        p[9].Value = OrNull(row.Columns);
        p[10].Value = OrNull(row.BitsAllocated);
        p[11].Value = OrNull(row.NumberOfFrames);
        p[12].Value = row.TransferSyntaxUid;
        p[13].Value = row.Sha256;
        p[14].Value = row.SizeBytes;
        p[15].Value = row.BlobName;
        p[16].Value = (int)row.StorageTier;
        p[17].Value = (object?)row.FrameTable ?? DBNull.Value;
        p[18].Value = row.Attributes;
        p[19].Value = Time(session, row.CreatedAt);
        object? watermark = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(watermark, System.Globalization.CultureInfo.InvariantCulture);
    }

    // PostgreSQL: one statement; the change feed and outbox rows are inserted only if the update marked the row.
    private const string MarkCreatedPostgresSql =
        """
        WITH marked AS (
            UPDATE "instances" SET "status" = 1, "updated_at" = @now WHERE "watermark" = @watermark AND "status" = 0 RETURNING "watermark"
        ), feed AS (
            INSERT INTO "change_feed" ("timestamp", "action", "study_instance_uid", "series_instance_uid", "sop_instance_uid", "watermark", "version")
            SELECT @now, 0, @study, @series, @sop, @watermark, @version FROM marked
        ), outbox AS (
            INSERT INTO "outbox" ("created_at", "message_type", "payload", "ordering_key", "trace_parent", "trace_state", "attempts")
            SELECT @now, @type, @payload, @key, @trace_parent, @trace_state, 0 FROM marked
        )
        SELECT count(*) FROM marked;
        """;

    // SQLite has no writing CTEs: three statements in one command, each insert guarded by the one before it having
    // changed a row (changes() is the count of the last completed INSERT/UPDATE/DELETE).
    private const string MarkCreatedSqliteSql =
        """
        UPDATE "instances" SET "status" = 1, "updated_at" = @now WHERE "watermark" = @watermark AND "status" = 0;
        INSERT INTO "change_feed" ("timestamp", "action", "study_instance_uid", "series_instance_uid", "sop_instance_uid", "watermark", "version")
        SELECT @now, 0, @study, @series, @sop, @watermark, @version WHERE changes() = 1;
        INSERT INTO "outbox" ("created_at", "message_type", "payload", "ordering_key", "trace_parent", "trace_state", "attempts")
        SELECT @now, @type, @payload, @key, @trace_parent, @trace_state, 0 WHERE changes() = 1;
        SELECT changes();
        """;

    private static readonly string[] MarkCreatedParameters =
        ["@now", "@watermark", "@study", "@series", "@sop", "@version", "@type", "@payload", "@key", "@trace_parent", "@trace_state"];

    /// <summary>
    /// Marks the Creating row of <paramref name="watermark"/> Created and, only if it was, appends its change feed entry
    /// (Created) and <paramref name="outbox"/> (its <see cref="OutboxMessageRow.CreatedAt"/> is taken as the time).
    /// False when the row was no longer Creating: nothing was written.
    /// </summary>
    public static async Task<bool> MarkCreatedAsync(GroupCommit.Session session, long watermark, int version, string studyInstanceUid,
        string seriesInstanceUid, string sopInstanceUid, OutboxMessageRow outbox, CancellationToken cancellationToken)
    {
        var command = session.Command(session.IsPostgres ? MarkCreatedPostgresSql : MarkCreatedSqliteSql, c =>
        {
            foreach (string name in MarkCreatedParameters)
                Add(c, name);
        });
        var p = command.Parameters;
        p[0].Value = Time(session, outbox.CreatedAt);
        p[1].Value = watermark;
        p[2].Value = studyInstanceUid;
        p[3].Value = seriesInstanceUid;
        p[4].Value = sopInstanceUid;
        p[5].Value = version;
        p[6].Value = outbox.MessageType;
        p[7].Value = outbox.Payload;
        p[8].Value = (object?)outbox.OrderingKey ?? DBNull.Value;
        p[9].Value = (object?)outbox.TraceParent ?? DBNull.Value;
        p[10].Value = (object?)outbox.TraceState ?? DBNull.Value;
        object? marked = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(marked, System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static object Time(GroupCommit.Session session, DateTimeOffset value) =>
        session.IsPostgres ? value.ToUniversalTime() : SqliteTime(value);

    private static object OrNull(int? value) => value is { } v ? v : DBNull.Value;

    private static void Add(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
    }
}
