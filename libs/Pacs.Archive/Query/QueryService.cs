using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// Answers QIDO-RS queries from the index alone (no stored object is read), with PS3.4 C.2.2.2 matching translated
/// to SQL on indexed columns. Only instances in status Created count: a study or series is found once one of its
/// instances is committed, and counts include only those.
/// <para>
/// Order is stable across pages: studies in arrival order (row id); series by study, then Series Number, then
/// arrival; instances by study, Series Number, series, Instance Number, acquisition time, then watermark. Values that
/// are absent sort last.
/// </para>
/// </summary>
public sealed class QueryService
{
    private const string Utf8 = "ISO_IR 192";

    private readonly ArchiveDatabase _database;
    private readonly ArchiveOptions _options;

    public QueryService(ArchiveDatabase database, ArchiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _options = options;
    }

    /// <summary>Whether the index can match on <paramref name="tag"/> in a query at <paramref name="level"/>.</summary>
    public static bool IsSupportedKey(QueryLevel level, DicomTag tag) =>
        QueryKeys.Find(tag) is { } key && QueryKeys.Applies(key.Level, level);

    /// <summary>Whether the index can match on <paramref name="condition"/> (top-level or in a sequence) at <paramref name="level"/>.</summary>
    public static bool IsSupportedKey(QueryLevel level, MatchCondition condition) =>
        QueryKeys.Find(condition ?? throw new ArgumentNullException(nameof(condition))) is { } key && QueryKeys.Applies(key.Level, level);

    /// <summary>Runs the query.</summary>
    /// <exception cref="QidoQueryException">A value has the wrong form for its attribute, or the limit or offset is invalid.</exception>
    public async Task<QidoResult> QueryAsync(QidoQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        int limit = query.Limit ?? _options.DefaultQueryLimit;
        if (limit < 1 || limit > _options.MaxQueryLimit)
            throw new QidoQueryException($"limit {limit} is outside 1 to {_options.MaxQueryLimit}.");
        if (query.Offset < 0)
            throw new QidoQueryException($"offset {query.Offset} is negative.");

        var unsupported = new List<DicomTag>();
        var supported = new List<(QueryKey Key, MatchCondition Condition)>();
        foreach (var condition in query.Conditions)
        {
            if (QueryKeys.Find(condition) is { } key && QueryKeys.Applies(key.Level, query.Level))
                supported.Add((key, condition));
            else if (!unsupported.Contains(condition.Tag))
                unsupported.Add(condition.Tag);
        }

        await using var db = _database.CreateContext();
        List<MatchRow> rows = await Matches(db, query, supported, limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        bool hasMore = rows.Count > limit;
        if (hasMore)
            rows.RemoveAt(rows.Count - 1);

        var (wanted, unsupportedInclude) = WantedAttributes(query);
        var aggregates = await Aggregates.LoadAsync(db, rows, wanted, cancellationToken).ConfigureAwait(false);
        var matches = new List<DicomDataset>(rows.Count);
        var decoded = new Dictionary<(AttributeLevel, long), DicomDataset>();
        foreach (var row in rows)
            matches.Add(BuildMatch(row, wanted, aggregates, decoded));
        return new QidoResult(matches, hasMore, unsupported, unsupportedInclude);
    }

    // ------------------------------------------------------------------ finding rows

    /// <summary>The columns a match needs, whatever the level (ids for aggregates, the stored attribute sets).</summary>
    private sealed record MatchRow(long StudyRowId, long SeriesRowId, long Watermark, long PatientRowId, byte[] Patient, byte[] Study,
        byte[]? Series, byte[]? Instance, string? TransferSyntaxUid, BlobAccessTier Tier);

    /// <summary>The SQL the query runs to find its matches (for plan checks in tests and the benchmark).</summary>
    internal string MatchSql(QidoQuery query)
    {
        var supported = query.Conditions.Select(c => (Key: QueryKeys.Find(c), Condition: c))
            .Where(c => c.Key is not null && QueryKeys.Applies(c.Key.Level, query.Level))
            .Select(c => (c.Key!, c.Condition)).ToList();
        using var db = _database.CreateContext();
        return Matches(db, query, supported, query.Limit ?? _options.DefaultQueryLimit).ToQueryString();
    }

    /// <summary>
    /// The database's plan for the query that finds the matches (SQLite: EXPLAIN QUERY PLAN details; PostgreSQL: EXPLAIN
    /// lines), for tests that check every query kind is answered from an index.
    /// </summary>
    internal async Task<IReadOnlyList<string>> ExplainMatchesAsync(QidoQuery query, CancellationToken cancellationToken = default)
    {
        var supported = query.Conditions.Select(c => (Key: QueryKeys.Find(c), Condition: c))
            .Where(c => c.Key is not null && QueryKeys.Applies(c.Key.Level, query.Level))
            .Select(c => (c.Key!, c.Condition)).ToList();
        await using var db = _database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // PostgreSQL plans a table it has no statistics for as a few pages, best read whole: forbidding sequential
        // scans shows whether an index *could* answer the query, which is what a test can check on a small database.
        if (db.IsPostgres)
            await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off", cancellationToken).ConfigureAwait(false);
        await using var command = Matches(db, query, supported, query.Limit ?? _options.DefaultQueryLimit).CreateDbCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = (db.IsPostgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.CommandText;
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                lines.Add(db.IsPostgres ? reader.GetString(0) : reader.GetString(reader.FieldCount - 1));
        }

        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        return lines;
    }

    private static IQueryable<MatchRow> Matches(ArchiveDbContext db, QidoQuery query, List<(QueryKey, MatchCondition)> conditions, int limit) =>
        query.Level switch
        {
            QueryLevel.Study => FindStudies(db, query, conditions, limit),
            QueryLevel.Series => FindSeries(db, query, conditions, limit),
            _ => FindInstances(db, query, conditions, limit),
        };

    private static IQueryable<MatchRow> FindStudies(ArchiveDbContext db, QidoQuery query, List<(QueryKey, MatchCondition)> conditions, int limit)
    {
        IQueryable<InstanceRow> instances = db.Instances;
        IQueryable<StudyRow> q = db.Studies.AsNoTracking()
            .Where(s => instances.Any(i => i.StudyRowId == s.Id && i.Status == InstanceStatus.Created));
        if (query.StudyInstanceUid is { } studyUid)
            q = q.Where(s => s.StudyInstanceUid == studyUid);
        q = ApplyConditions(db, q, query, conditions);
        return q.OrderBy(s => s.Id).Skip(query.Offset).Take(limit + 1)
            .Select(s => new MatchRow(s.Id, 0, 0, s.PatientRowId, s.Patient.Attributes, s.Attributes, null, null, null, BlobAccessTier.Hot));
    }

    private static IQueryable<MatchRow> FindSeries(ArchiveDbContext db, QidoQuery query, List<(QueryKey, MatchCondition)> conditions, int limit)
    {
        IQueryable<InstanceRow> instances = db.Instances;
        IQueryable<SeriesRow> q = db.Series.AsNoTracking()
            .Where(se => instances.Any(i => i.SeriesRowId == se.Id && i.Status == InstanceStatus.Created));
        if (query.StudyInstanceUid is { } studyUid)
            q = q.Where(se => se.Study.StudyInstanceUid == studyUid);
        if (query.SeriesInstanceUid is { } seriesUid)
            q = q.Where(se => se.SeriesInstanceUid == seriesUid);
        q = ApplyConditions(db, q, query, conditions);
        return q.OrderBy(se => se.StudyRowId).ThenBy(se => se.SeriesNumber == null).ThenBy(se => se.SeriesNumber).ThenBy(se => se.Id)
            .Skip(query.Offset).Take(limit + 1)
            .Select(se => new MatchRow(se.StudyRowId, se.Id, 0, se.Study.PatientRowId, se.Study.Patient.Attributes, se.Study.Attributes, se.Attributes,
                null, null, BlobAccessTier.Hot));
    }

    private static IQueryable<MatchRow> FindInstances(ArchiveDbContext db, QidoQuery query, List<(QueryKey, MatchCondition)> conditions, int limit)
    {
        IQueryable<InstanceRow> q = db.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Created);
        if (query.StudyInstanceUid is { } studyUid)
            q = q.Where(i => i.Study.StudyInstanceUid == studyUid);
        if (query.SeriesInstanceUid is { } seriesUid)
            q = q.Where(i => i.Series.SeriesInstanceUid == seriesUid);
        q = ApplyConditions(db, q, query, conditions);
        return q.OrderBy(i => i.StudyRowId)
            .ThenBy(i => i.Series.SeriesNumber == null).ThenBy(i => i.Series.SeriesNumber).ThenBy(i => i.SeriesRowId)
            .ThenBy(i => i.InstanceNumber == null).ThenBy(i => i.InstanceNumber)
            .ThenBy(i => i.AcquisitionDateTime == null).ThenBy(i => i.AcquisitionDateTime)
            .ThenBy(i => i.Watermark)
            .Skip(query.Offset).Take(limit + 1)
            .Select(i => new MatchRow(i.StudyRowId, i.SeriesRowId, i.Watermark, i.Study.PatientRowId, i.Study.Patient.Attributes, i.Study.Attributes,
                i.Series.Attributes, i.Attributes, i.TransferSyntaxUid, i.StorageTier));
    }

    private static IQueryable<TRoot> ApplyConditions<TRoot>(ArchiveDbContext db, IQueryable<TRoot> q, QidoQuery query,
        List<(QueryKey Key, MatchCondition Condition)> conditions)
    {
        var builder = new PredicateBuilder<TRoot>(db);
        var remaining = conditions;

        // PS3.4 C.2.2.2.5.1: StudyDate and StudyTime both given match as one date-time range, so that
        // 20240101-20240102 with 2200-0600 finds the night between the two days.
        var date = conditions.FirstOrDefault(c => c.Key.Tag == DicomTag.StudyDate && c.Condition.Kind is MatchKind.Single or MatchKind.Range);
        var time = conditions.FirstOrDefault(c => c.Key.Tag == DicomTag.StudyTime && c.Condition.Kind is MatchKind.Single or MatchKind.Range);
        if (date.Key is not null && time.Key is not null)
        {
            var (dateLow, dateHigh) = Bounds(date.Key, date.Condition, v => DicomKeys.Date(v), v => DicomKeys.Date(v), "a date YYYYMMDD");
            var (timeLow, timeHigh) = Bounds(time.Key, time.Condition, v => DicomKeys.TimeBound(v, false), v => DicomKeys.TimeBound(v, true), "a time HH[MM[SS[.F…]]]");
            string? low = dateLow is null && timeLow is null ? null : (dateLow ?? "00010101") + (timeLow ?? "000000.000000");
            string? high = dateHigh is null && timeHigh is null ? null : (dateHigh ?? "99991231") + (timeHigh ?? "235959.999999");
            Expression<Func<StudyRow, string?>> column = s => s.StudyDateTime;
            q = q.Where(builder.Range(date.Key, column, low, high));
            remaining = conditions.Where(c => c != date && c != time).ToList();
        }

        foreach (var (key, condition) in remaining.Where(c => c.Key.Level != AttributeLevel.RequestItem))
        {
            if (builder.Build(key, condition, query.FuzzyMatching, query.EmptyValueMatching) is { } predicate)
                q = q.Where(predicate);
        }
        var items = remaining.Where(c => c.Key.Level == AttributeLevel.RequestItem).ToList();
        if (items.Count > 0 && builder.RequestItemMatches(items, query.FuzzyMatching) is { } itemPredicate)
            q = q.Where(itemPredicate);
        return q;
    }

    private static (string? Low, string? High) Bounds(QueryKey key, MatchCondition c, Func<string, string?> low, Func<string, string?> high, string form)
    {
        string? Check(string? value, Func<string, string?> normalise) =>
            value is null ? null : normalise(value) ?? throw new QidoQueryException(key.Tag, $"{DicomDictionary.Lookup(key.Tag)?.Keyword} '{value}' is not {form}.");
        return c.Kind == MatchKind.Single
            ? (Check(c.Value, low), Check(c.Value, high))
            : (Check(c.RangeStart, low), Check(c.RangeEnd, high));
    }

    // ------------------------------------------------------------------ building the response

    private static (HashSet<DicomTag> Wanted, List<DicomTag> Unsupported) WantedAttributes(QidoQuery query)
    {
        var wanted = new HashSet<DicomTag>();
        bool withStudy = query.Level == QueryLevel.Study || query.StudyInstanceUid is null;
        bool withSeries = query.Level == QueryLevel.Series || (query.Level == QueryLevel.Instance && query.SeriesInstanceUid is null);
        // PS3.18 10.6.3.3: a query not scoped to a study (or series) returns that level's attributes too.
        if (withStudy)
            wanted.UnionWith(ReturnAttributes.Study);
        if (withSeries)
            wanted.UnionWith(ReturnAttributes.Series);
        if (query.Level == QueryLevel.Instance)
            wanted.UnionWith(ReturnAttributes.Instance);
        // The UIDs of the match and its parents, always: the HTTP layer builds RetrieveURL from them.
        wanted.Add(DicomTag.StudyInstanceUID);
        if (query.Level >= QueryLevel.Series)
            wanted.Add(DicomTag.SeriesInstanceUID);
        // PS3.4 C.4.1.1.3.2: matching keys are returned.
        wanted.UnionWith(query.Conditions.Select(c => c.SequenceTag ?? c.Tag));

        var stored = new HashSet<DicomTag>(LevelAttributes.Patient.Concat(LevelAttributes.Study));
        if (query.Level >= QueryLevel.Series)
            stored.UnionWith(LevelAttributes.Series);
        if (query.Level == QueryLevel.Instance)
            stored.UnionWith(LevelAttributes.Instance);
        if (query.IncludeAllFields)
        {
            wanted.UnionWith(stored);
            wanted.UnionWith(ReturnAttributes.Study);
            if (query.Level >= QueryLevel.Series)
                wanted.UnionWith(ReturnAttributes.Series);
            if (query.Level == QueryLevel.Instance)
                wanted.Add(DicomTag.AvailableTransferSyntaxUID);
        }
        var unsupported = new List<DicomTag>();
        foreach (var tag in query.IncludeFields)
        {
            if (stored.Contains(tag) || ReturnAttributes.Computed.Contains(tag))
                wanted.Add(tag);
            else if (!unsupported.Contains(tag))
                unsupported.Add(tag);
        }
        wanted.Remove(DicomTag.SpecificCharacterSet);
        return (wanted, unsupported);
    }

    private static DicomDataset BuildMatch(MatchRow row, HashSet<DicomTag> wanted, Aggregates aggregates, Dictionary<(AttributeLevel, long), DicomDataset> decoded)
    {
        DicomDataset Decode(AttributeLevel level, long id, byte[] bytes)
        {
            if (!decoded.TryGetValue((level, id), out var ds))
            {
                ds = LevelAttributes.Decode(bytes);
                decoded[(level, id)] = ds;
            }
            return ds;
        }

        var sources = new List<DicomDataset>(4);
        if (row.Instance is not null)
            sources.Add(Decode(AttributeLevel.Instance, row.Watermark, row.Instance));
        if (row.Series is not null)
            sources.Add(Decode(AttributeLevel.Series, row.SeriesRowId, row.Series));
        sources.Add(Decode(AttributeLevel.Study, row.StudyRowId, row.Study));
        sources.Add(Decode(AttributeLevel.Patient, row.PatientRowId, row.Patient));

        var match = new DicomDataset(wanted.Count + 1);
        match.Set(DicomTag.SpecificCharacterSet, DicomVR.CS, Utf8);
        foreach (var tag in wanted)
        {
            if (ReturnAttributes.Computed.Contains(tag))
            {
                SetComputed(match, tag, row, aggregates);
                continue;
            }
            var element = sources.Select(s => s.Get(tag)).FirstOrDefault(e => e is not null);
            if (element is not null)
            {
                match.Set(element is DicomSequence sq ? new DicomSequence(tag, sq.Items.Select(i => i.Clone()).ToArray()) : element);
            }
            else
            {
                // Required attributes are type 2 in the response: present, possibly empty.
                var vr = DicomDictionary.GetVR(tag);
                match.Set(vr == DicomVR.SQ ? new DicomSequence(tag) : new DicomElement(tag, vr, ReadOnlyMemory<byte>.Empty));
            }
        }
        return match;
    }

    private static void SetComputed(DicomDataset match, DicomTag tag, MatchRow row, Aggregates aggregates)
    {
        string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
        if (tag == DicomTag.ModalitiesInStudy)
            match.Set(tag, DicomVR.CS, aggregates.Modalities(row.StudyRowId));
        else if (tag == DicomTag.NumberOfStudyRelatedSeries)
            match.Set(tag, DicomVR.IS, Count(aggregates.StudySeries(row.StudyRowId)));
        else if (tag == DicomTag.NumberOfStudyRelatedInstances)
            match.Set(tag, DicomVR.IS, Count(aggregates.StudyInstances(row.StudyRowId)));
        else if (tag == DicomTag.NumberOfSeriesRelatedInstances && row.Series is not null)
            match.Set(tag, DicomVR.IS, Count(aggregates.SeriesInstances(row.SeriesRowId)));
        else if (tag == DicomTag.InstanceAvailability)
            // PS3.3 C.4.23.1.1: NEARLINE when the object must be recalled before it can be read.
            match.Set(tag, DicomVR.CS, row.Instance is not null && row.Tier == BlobAccessTier.Archive ? "NEARLINE" : "ONLINE");
        else if (tag == DicomTag.AvailableTransferSyntaxUID && row.TransferSyntaxUid is not null)
            match.Set(tag, DicomVR.UI, row.TransferSyntaxUid);
    }

    /// <summary>Counts and modalities of the studies and series of one page, each loaded with one grouped query.</summary>
    private sealed class Aggregates
    {
        private readonly Dictionary<long, (int Series, int Instances)> _studies = [];
        private readonly Dictionary<long, string[]> _modalities = [];
        private readonly Dictionary<long, int> _series = [];

        public int StudySeries(long id) => _studies.GetValueOrDefault(id).Series;

        public int StudyInstances(long id) => _studies.GetValueOrDefault(id).Instances;

        public string[] Modalities(long id) => _modalities.GetValueOrDefault(id) ?? [];

        public int SeriesInstances(long id) => _series.GetValueOrDefault(id);

        public static async Task<Aggregates> LoadAsync(ArchiveDbContext db, List<MatchRow> rows, HashSet<DicomTag> wanted, CancellationToken cancellationToken)
        {
            var result = new Aggregates();
            if (rows.Count == 0)
                return result;
            var studyIds = rows.Select(r => r.StudyRowId).Distinct().ToArray();
            if (wanted.Contains(DicomTag.NumberOfStudyRelatedSeries) || wanted.Contains(DicomTag.NumberOfStudyRelatedInstances))
            {
                var counts = await db.Instances
                    .Where(i => studyIds.Contains(i.StudyRowId) && i.Status == InstanceStatus.Created)
                    .GroupBy(i => i.StudyRowId)
                    .Select(g => new { g.Key, Instances = g.Count(), Series = g.Select(i => i.SeriesRowId).Distinct().Count() })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var c in counts)
                    result._studies[c.Key] = (c.Series, c.Instances);
            }
            if (wanted.Contains(DicomTag.ModalitiesInStudy))
            {
                IQueryable<InstanceRow> instances = db.Instances;
                var modalities = await db.Series
                    .Where(se => studyIds.Contains(se.StudyRowId) && se.Modality != null
                        && instances.Any(i => i.SeriesRowId == se.Id && i.Status == InstanceStatus.Created))
                    .Select(se => new { se.StudyRowId, se.Modality })
                    .Distinct()
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var group in modalities.GroupBy(m => m.StudyRowId))
                    result._modalities[group.Key] = group.Select(m => m.Modality!).Order(StringComparer.Ordinal).ToArray();
            }
            if (wanted.Contains(DicomTag.NumberOfSeriesRelatedInstances))
            {
                var seriesIds = rows.Where(r => r.Series is not null).Select(r => r.SeriesRowId).Distinct().ToArray();
                var counts = await db.Instances
                    .Where(i => seriesIds.Contains(i.SeriesRowId) && i.Status == InstanceStatus.Created)
                    .GroupBy(i => i.SeriesRowId)
                    .Select(g => new { g.Key, Count = g.Count() })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var c in counts)
                    result._series[c.Key] = c.Count;
            }
            return result;
        }
    }
}
