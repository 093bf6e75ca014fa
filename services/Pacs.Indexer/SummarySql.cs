using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Pacs.Archive;

namespace Pacs.Indexer;

/// <summary>
/// The indexer's refresh of series and study summaries as set-based SQL, one statement per series or study, inside the
/// caller's transaction: the aggregates are computed by the database from the instance rows (series) and the series
/// summaries (study) and written in the same statement, instead of loading rows into entities and saving them back.
/// The SQL is the common subset of SQLite (3.35+: UPDATE … FROM, RETURNING, ORDER BY inside aggregates) and PostgreSQL;
/// names are the archive's snake_case columns (<see cref="ArchiveDbContext"/>).
/// <para>
/// Concurrency is as optimistic as EF's concurrency token was: the revisions are read first, and each UPDATE only
/// matches the row at the revision read (a replica that changed it meanwhile makes it match nothing), each INSERT
/// only inserts a row nobody inserted meanwhile; either miss throws <see cref="DbUpdateConcurrencyException"/>, and
/// the caller runs the whole transaction again. On PostgreSQL the existing rows are also locked when their revisions
/// are read, so replicas take turns rather than conflict; and a statement that had to wait for a row sees, in its own
/// snapshot taken after the wait, everything the other transaction committed.
/// </para>
/// </summary>
internal sealed class SummarySql(ArchiveDbContext db, bool postgres)
{
    private static readonly string Created = ((int)InstanceStatus.Created).ToString(CultureInfo.InvariantCulture);

    // One row even for a series without visible instances (an aggregate without GROUP BY); the series row's study and
    // modality as scalar subqueries, null when the series row is gone.
    // An image without Number of Frames is one frame (PS3.3 C.7.6.6); a non-image has none.
    private static readonly string SeriesAggregate = $"""
        SELECT
          (SELECT st.study_instance_uid FROM series s JOIN studies st ON st.id = s.study_row_id WHERE s.series_instance_uid = @series) AS a_study,
          (SELECT s.modality FROM series s WHERE s.series_instance_uid = @series) AS a_modality,
          COUNT(i.watermark) AS a_count,
          COALESCE(SUM(i.size_bytes), 0) AS a_size,
          COALESCE(SUM(CASE WHEN i."rows" IS NULL THEN 0 ELSE COALESCE(i.number_of_frames, 1) END), 0) AS a_frames,
          COALESCE(MAX(i.watermark), 0) AS a_last
        FROM instances i
        WHERE i.series_row_id = (SELECT s.id FROM series s WHERE s.series_instance_uid = @series) AND i.status = {Created}
        """;

    private static readonly string UpdateSeries = $"""
        UPDATE series_summaries SET
          study_instance_uid = COALESCE(a.a_study, @study),
          modality = COALESCE(a.a_modality, series_summaries.modality),
          number_of_instances = a.a_count,
          size_bytes = a.a_size,
          number_of_frames = a.a_frames,
          last_watermark = a.a_last,
          revision = series_summaries.revision + @count,
          document_stale = TRUE,
          stale_since = COALESCE(series_summaries.stale_since, @now),
          updated_at = @now
        FROM ({SeriesAggregate}) a
        WHERE series_summaries.series_instance_uid = @series AND series_summaries.revision = @revision
        """;

    // Only a series whose row exists gets a first summary: one gone before it was ever summarized has nothing to announce.
    private static readonly string InsertSeries = $"""
        INSERT INTO series_summaries (series_instance_uid, study_instance_uid, modality, number_of_instances, size_bytes, number_of_frames,
          last_watermark, revision, document_revision, document_stale, stale_since, updated_at)
        SELECT @series, a.a_study, a.a_modality, a.a_count, a.a_size, a.a_frames, a.a_last, @count, 0, TRUE, @now, @now
        FROM ({SeriesAggregate}) a
        WHERE a.a_study IS NOT NULL
        ON CONFLICT (series_instance_uid) DO NOTHING
        """;

    private string StudyAggregate => $"""
        SELECT
          COUNT(*) AS a_series,
          COALESCE(SUM(ss.number_of_instances), 0) AS a_instances,
          COALESCE(SUM(ss.size_bytes), 0) AS a_size,
          COALESCE(MAX(ss.last_watermark), 0) AS a_last,
          ({Modalities}) AS a_modalities
        FROM series_summaries ss
        WHERE ss.study_instance_uid = @study AND ss.number_of_instances > 0
        """;

    // PS3.4 C.6.2.1.2 ModalitiesInStudy: the distinct Modality values of the study's series, sorted ordinally and joined
    // with backslashes (PS3.5 6.4 value multiplicity). PostgreSQL sorts in the "C" collation, which is byte order as
    // SQLite's BINARY is.
    private string Modalities => postgres
        ? """SELECT string_agg(m.m, @separator ORDER BY m.m) FROM (SELECT DISTINCT ss2.modality COLLATE "C" AS m FROM series_summaries ss2 WHERE ss2.study_instance_uid = @study AND ss2.number_of_instances > 0 AND ss2.modality <> '') m"""
        : """SELECT group_concat(m.m, @separator ORDER BY m.m) FROM (SELECT DISTINCT ss2.modality AS m FROM series_summaries ss2 WHERE ss2.study_instance_uid = @study AND ss2.number_of_instances > 0 AND ss2.modality <> '') m""";

    private string UpdateStudy => $"""
        UPDATE study_summaries SET
          number_of_series = a.a_series,
          number_of_instances = a.a_instances,
          size_bytes = a.a_size,
          last_watermark = a.a_last,
          modalities_in_study = a.a_modalities,
          revision = study_summaries.revision + @count,
          updated_at = @now
        FROM ({StudyAggregate}) a
        WHERE study_summaries.study_instance_uid = @study AND study_summaries.revision = @revision
        """;

    private string InsertStudy => $"""
        INSERT INTO study_summaries (study_instance_uid, number_of_series, number_of_instances, size_bytes, last_watermark, modalities_in_study,
          revision, updated_at)
        SELECT @study, a.a_series, a.a_instances, a.a_size, a.a_last, a.a_modalities, @count, @now
        FROM ({StudyAggregate}) a
        WHERE a.a_series > 0
        ON CONFLICT (study_instance_uid) DO NOTHING
        """;

    /// <summary>
    /// Recomputes each series' aggregates from its visible instance rows, adds its count to its revision and marks its
    /// document stale; a series without a summary gets one (when its row exists). Keys: series UID; values: the study
    /// to record when the series row is gone, and how many applied events touched the series.
    /// </summary>
    public async Task RefreshSeriesAsync(SortedDictionary<string, (string Study, int Count)> series, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var revisions = await ReadRevisionsAsync("series_summaries", "series_instance_uid", series.Keys, cancellationToken).ConfigureAwait(false);
        object time = Time(now);
        foreach (var (uid, (study, count)) in series)
        {
            bool exists = revisions.TryGetValue(uid, out long revision);
            await using var command = Command(exists ? UpdateSeries : InsertSeries);
            AddParameter(command, "@series", uid);
            AddParameter(command, "@study", study);
            AddParameter(command, "@count", (long)count);
            AddParameter(command, "@now", time);
            if (exists)
                AddParameter(command, "@revision", revision);
            int changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (changed == 0 && (exists || await ExistsAsync("series_summaries", "series_instance_uid", uid, cancellationToken).ConfigureAwait(false)))
                throw new DbUpdateConcurrencyException($"The summary of series {uid} was changed by another writer meanwhile.");
        }
    }

    /// <summary>
    /// Recomputes each study's aggregates from its series summaries (refresh the series first) and adds its count to its
    /// revision; a study without a summary gets one when it has a series with instances.
    /// </summary>
    public async Task RefreshStudiesAsync(SortedDictionary<string, int> studies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var revisions = await ReadRevisionsAsync("study_summaries", "study_instance_uid", studies.Keys, cancellationToken).ConfigureAwait(false);
        object time = Time(now);
        foreach (var (uid, count) in studies)
        {
            bool exists = revisions.TryGetValue(uid, out long revision);
            await using var command = Command(exists ? UpdateStudy : InsertStudy);
            AddParameter(command, "@study", uid);
            AddParameter(command, "@count", (long)count);
            AddParameter(command, "@now", time);
            AddParameter(command, "@separator", "\\");
            if (exists)
                AddParameter(command, "@revision", revision);
            int changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (changed == 0 && (exists || await ExistsAsync("study_summaries", "study_instance_uid", uid, cancellationToken).ConfigureAwait(false)))
                throw new DbUpdateConcurrencyException($"The summary of study {uid} was changed by another writer meanwhile.");
        }
    }

    private async Task<Dictionary<string, long>> ReadRevisionsAsync(string table, string key, IReadOnlyCollection<string> uids,
        CancellationToken cancellationToken)
    {
        var revisions = new Dictionary<string, long>(StringComparer.Ordinal);
        if (uids.Count == 0)
            return revisions;
        await using var command = Command("");
        var names = new List<string>(uids.Count);
        foreach (string uid in uids)
        {
            string name = "@k" + names.Count.ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            AddParameter(command, name, uid);
        }
        // On PostgreSQL the rows are locked as they are read, in key order (every writer locks them in that order, so
        // none waits in a circle): a replica applying events of the same series waits here for the other's commit and
        // then reads its revision, instead of losing the race at the UPDATE and running its transaction again. The
        // revision check of the UPDATE stays, for writers that do not lock first (the document refresher's EF update).
        command.CommandText = $"SELECT {key}, revision FROM {table} WHERE {key} IN ({string.Join(", ", names)})" +
            (postgres ? $" ORDER BY {key} FOR UPDATE" : "");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            revisions[reader.GetString(0)] = reader.GetInt64(1);
        return revisions;
    }

    private async Task<bool> ExistsAsync(string table, string key, string uid, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT 1 FROM {table} WHERE {key} = @k");
        AddParameter(command, "@k", uid);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>A command in the context's current transaction (plain ADO.NET: no EF query pipeline per statement).</summary>
    private DbCommand Command(string sql)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Summaries are refreshed inside the transaction of the events' inbox records.");
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>The time as the model stores it (SQLite: a long, by the context's converter; PostgreSQL: timestamptz).</summary>
    private object Time(DateTimeOffset now)
    {
        var converter = TimeConverter(db);
        return converter?.ConvertToProvider(now) ?? now;
    }

    private static ValueConverter? TimeConverter(ArchiveDbContext db) =>
        db.Model.FindEntityType(typeof(SeriesSummaryRow))!.FindProperty(nameof(SeriesSummaryRow.UpdatedAt))!.GetTypeMapping().Converter;

    internal static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
