using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// Turns match conditions into LINQ predicates over one root row type (studies, series or instances) that EF
/// translates to SQL on the indexed columns. Values go in as parameters, never as literals, so the database reuses
/// plans. Pattern matching is case-sensitive on both databases: LIKE on PostgreSQL, GLOB on SQLite (whose LIKE
/// ignores ASCII case).
/// </summary>
internal sealed class PredicateBuilder<TRoot>
{
    private static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;
    private static readonly MethodInfo Like = typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like),
        [typeof(DbFunctions), typeof(string), typeof(string), typeof(string)])!;
    private static readonly MethodInfo Glob = typeof(SqliteDbFunctionsExtensions).GetMethod(nameof(SqliteDbFunctionsExtensions.Glob),
        [typeof(DbFunctions), typeof(string), typeof(string)])!;
    private static readonly MethodInfo ContainsString = typeof(Enumerable).GetMethods()
        .Single(m => m.Name == nameof(Enumerable.Contains) && m.GetParameters().Length == 2).MakeGenericMethod(typeof(string));
    private static readonly MethodInfo AnySeries = typeof(Queryable).GetMethods()
        .Single(m => m.Name == nameof(Queryable.Any) && m.GetParameters().Length == 2).MakeGenericMethod(typeof(SeriesRow));
    private static readonly MethodInfo AnyRequestItem = typeof(Queryable).GetMethods()
        .Single(m => m.Name == nameof(Queryable.Any) && m.GetParameters().Length == 2).MakeGenericMethod(typeof(RequestAttributesRow));

    private readonly ParameterExpression _root = Expression.Parameter(typeof(TRoot), "r");
    private readonly ArchiveDbContext _db;
    private readonly bool _postgres;

    public PredicateBuilder(ArchiveDbContext db)
    {
        _db = db;
        _postgres = db.IsPostgres;
    }

    /// <summary>The predicate for one condition on one key; null when it matches everything (universal).</summary>
    /// <param name="emptyValueMatching">PS3.18 8.3.4.5 emptyvaluematching=true: an entity whose value is empty or absent
    /// matches as well.</param>
    public Expression<Func<TRoot, bool>>? Build(QueryKey key, MatchCondition condition, bool fuzzy, bool emptyValueMatching = false)
    {
        var body = BuildBody(key, condition, fuzzy);
        if (body is null)
            return null;
        if (emptyValueMatching && condition.Kind != MatchKind.Empty && key.Kind != KeyKind.ModalitiesInStudy)
            body = Expression.OrElse(body, EmptyBody(Column(key.Column, key.Level)));
        return Expression.Lambda<Func<TRoot, bool>>(body, _root);
    }

    private static Expression EmptyBody(Expression col) => col.Type == typeof(string)
        ? Expression.OrElse(Expression.Equal(col, Expression.Constant(null, typeof(string))), Expression.Equal(col, Expression.Constant("")))
        : Expression.Equal(col, Expression.Constant(null, col.Type));

    /// <summary>
    /// Some item of the series' Request Attributes Sequence satisfies every one of <paramref name="conditions"/> (PS3.4
    /// C.2.2.2.6: the keys of one sequence match within one item). Null when they are all universal. Roots: series, instances.
    /// </summary>
    public Expression<Func<TRoot, bool>>? RequestItemMatches(IEnumerable<(QueryKey Key, MatchCondition Condition)> conditions, bool fuzzy)
    {
        var itemBuilder = new PredicateBuilder<RequestAttributesRow>(_db);
        Expression? inner = null;
        ParameterExpression? item = null;
        foreach (var (key, condition) in conditions)
        {
            if (itemBuilder.Build(key, condition, fuzzy) is not { } predicate)
                continue;
            item = predicate.Parameters[0];
            inner = inner is null ? predicate.Body : Expression.AndAlso(inner, predicate.Body);
        }
        if (inner is null || item is null)
            return null;
        Expression seriesId = typeof(TRoot) == typeof(SeriesRow)
            ? Expression.Property(_root, nameof(SeriesRow.Id))
            : Expression.Property(_root, nameof(InstanceRow.SeriesRowId));
        var sameSeries = Expression.Equal(Expression.Property(item, nameof(RequestAttributesRow.SeriesRowId)), seriesId);
        var itemPredicate = Expression.Lambda<Func<RequestAttributesRow, bool>>(Expression.AndAlso(sameSeries, inner), item);
        var any = Expression.Call(AnyRequestItem, Parameter<IQueryable<RequestAttributesRow>>(_db.RequestAttributes), Expression.Quote(itemPredicate));
        return Expression.Lambda<Func<TRoot, bool>>(any, _root);
    }

    /// <summary>A range predicate on a normalised string column (the combined StudyDate/StudyTime key).</summary>
    public Expression<Func<TRoot, bool>> Range(QueryKey key, LambdaExpression column, string? low, string? high)
    {
        var col = Column(column, key.Level);
        return Expression.Lambda<Func<TRoot, bool>>(RangeBody(col, low, high) ?? Expression.Constant(true), _root);
    }

    private Expression? BuildBody(QueryKey key, MatchCondition c, bool fuzzy)
    {
        if (c.Kind == MatchKind.Universal)
            return null;
        if (key.Kind == KeyKind.ModalitiesInStudy)
            return ModalitiesInStudy(key, c, fuzzy);

        var col = Column(key.Column, key.Level);
        if (c.Kind == MatchKind.Empty)
            return EmptyBody(col);

        switch (key.Kind)
        {
            case KeyKind.Uid:
                return c.Kind switch
                {
                    MatchKind.Single => Expression.Equal(col, Parameter(c.Value!.Trim())),
                    MatchKind.UidList => Expression.Call(ContainsString, Parameter(c.Values.ToArray()), col),
                    _ => throw Invalid(key, c, "a UID matches a single value or a list of UIDs only (PS3.4 C.2.2.2.2)"),
                };
            case KeyKind.Integer:
                if (c.Kind != MatchKind.Single || !int.TryParse(c.Value!.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int number))
                    throw Invalid(key, c, "an IS key matches a single integer value only");
                return Expression.Equal(col, Parameter<int?>(number));
            case KeyKind.Date:
                return DateLike(key, c, col, v => DicomKeys.Date(v), v => DicomKeys.Date(v), "a date YYYYMMDD");
            case KeyKind.Time:
                return DateLike(key, c, col, v => DicomKeys.TimeBound(v, false), v => DicomKeys.TimeBound(v, true), "a time HH[MM[SS[.F…]]]");
            case KeyKind.DateTime:
                return DateLike(key, c, col, v => DicomKeys.DateTimeBound(v, false), v => DicomKeys.DateTimeBound(v, true), "a date-time YYYY[MM[DD[HH[MM[SS[.F…]]]]]]");
            case KeyKind.PersonName when fuzzy && key.FuzzyColumn is not null && c.Kind is MatchKind.Single or MatchKind.Wildcard:
                return FuzzyName(Column(key.FuzzyColumn, key.Level), c.Value!);
            default:
                return c.Kind switch
                {
                    MatchKind.Single when c.Values.Count > 1 => Expression.Call(ContainsString, Parameter(c.Values.ToArray()), col),
                    MatchKind.Single => Expression.Equal(col, Parameter(c.Value!)),
                    MatchKind.Wildcard => Pattern(col, c.Value!),
                    MatchKind.UidList => Expression.Call(ContainsString, Parameter(c.Values.ToArray()), col),
                    _ => throw Invalid(key, c, "ranges apply to dates and times only"),
                };
        }
    }

    private Expression? DateLike(QueryKey key, MatchCondition c, Expression col, Func<string, string?> low, Func<string, string?> high, string form)
    {
        switch (c.Kind)
        {
            case MatchKind.Single:
                string lo = low(c.Value!) ?? throw Invalid(key, c, $"the value must be {form}");
                string hi = high(c.Value!)!;
                return lo == hi ? Expression.Equal(col, Parameter(lo)) : RangeBody(col, lo, hi);
            case MatchKind.Range:
                string? start = c.RangeStart is null ? null : low(c.RangeStart) ?? throw Invalid(key, c, $"the range start must be {form}");
                string? end = c.RangeEnd is null ? null : high(c.RangeEnd) ?? throw Invalid(key, c, $"the range end must be {form}");
                return RangeBody(col, start, end);
            default:
                throw Invalid(key, c, $"a {key.Kind} key matches a single value or a range (PS3.4 C.2.2.2.5)");
        }
    }

    private static Expression? RangeBody(Expression col, string? low, string? high)
    {
        Expression? body = null;
        if (low is not null)
            body = Expression.GreaterThanOrEqual(Expression.Call(StringCompare, col, Parameter(low)), Expression.Constant(0));
        if (high is not null)
        {
            var upper = Expression.LessThanOrEqual(Expression.Call(StringCompare, col, Parameter(high)), Expression.Constant(0));
            body = body is null ? upper : Expression.AndAlso(body, upper);
        }
        // PS3.4 C.2.2.2.5: a range with both ends open is universal, except that it still needs a value to compare.
        return body ?? Expression.NotEqual(col, Expression.Constant(null, typeof(string)));
    }

    /// <summary>PS3.4 C.2.2.2.4 wildcards, case-sensitive. "*" alone is universal matching.</summary>
    private Expression? Pattern(Expression col, string pattern)
    {
        if (pattern.All(ch => ch == '*'))
            return null;
        if (_postgres)
        {
            var like = new StringBuilder(pattern.Length + 4);
            foreach (char ch in pattern)
            {
                like.Append(ch switch
                {
                    '*' => "%",
                    '?' => "_",
                    '%' or '_' or '\\' => "\\" + ch,
                    _ => ch.ToString(),
                });
            }
            return Expression.Call(Like, Expression.Constant(EF.Functions), col, Parameter(like.ToString()), Expression.Constant("\\"));
        }
        // GLOB uses * and ? as DICOM does; '[' opens a character class, so a literal one is written as a class.
        string glob = pattern.Replace("[", "[[]", StringComparison.Ordinal);
        return Expression.Call(Glob, Expression.Constant(EF.Functions), col, Parameter(glob));
    }

    /// <summary>Every word of the query starts some component of the normalised name (see <see cref="PersonNameMatching"/>).</summary>
    private static Expression? FuzzyName(Expression fuzzyCol, string value)
    {
        Expression? body = null;
        foreach (string word in PersonNameMatching.Words(value))
        {
            var like = new StringBuilder("% ");
            foreach (char ch in word)
            {
                like.Append(ch switch
                {
                    '*' => "%",
                    '?' => "_",
                    '%' or '_' or '\\' => "\\" + ch,
                    _ => ch.ToString(),
                });
            }
            like.Append('%');
            var match = Expression.Call(Like, Expression.Constant(EF.Functions), fuzzyCol, Parameter(like.ToString()), Expression.Constant("\\"));
            body = body is null ? match : Expression.AndAlso(body, match);
        }
        return body;
    }

    /// <summary>ModalitiesInStudy: some series of the study has a matching Modality (PS3.18 Table 10.6.1-5).</summary>
    private Expression? ModalitiesInStudy(QueryKey key, MatchCondition c, bool fuzzy)
    {
        var modalityKey = QueryKeys.Find(DicomTag.Modality)!;
        var seriesBuilder = new PredicateBuilder<SeriesRow>(_db);
        var inner = seriesBuilder.Build(modalityKey, c, fuzzy);
        if (inner is null)
            return null;
        var studyId = Column(key.Column, key.Level);
        var se = inner.Parameters[0];
        var sameStudy = Expression.Equal(Expression.Property(se, nameof(SeriesRow.StudyRowId)), studyId);
        // Only series with a committed instance count, as for the ModalitiesInStudy the response carries.
        IQueryable<InstanceRow> instances = _db.Instances;
        Expression<Func<SeriesRow, bool>> visible = x => instances.Any(i => i.SeriesRowId == x.Id && i.Status == InstanceStatus.Created);
        var visibleBody = ReplacingExpressionVisitor.Replace(visible.Parameters[0], se, visible.Body);
        var predicate = Expression.Lambda<Func<SeriesRow, bool>>(Expression.AndAlso(Expression.AndAlso(sameStudy, inner.Body), visibleBody), se);
        return Expression.Call(AnySeries, Parameter<IQueryable<SeriesRow>>(_db.Series), Expression.Quote(predicate));
    }

    /// <summary>The column of <paramref name="column"/> (a lambda over its level's row) reached from the root row.</summary>
    private Expression Column(LambdaExpression column, AttributeLevel level) =>
        ReplacingExpressionVisitor.Replace(column.Parameters[0], PathTo(level), column.Body);

    private Expression PathTo(AttributeLevel level)
    {
        Expression Nav(Expression from, string name) => Expression.Property(from, name);
        return (typeof(TRoot).Name, level) switch
        {
            (nameof(StudyRow), AttributeLevel.Study) => _root,
            (nameof(StudyRow), AttributeLevel.Patient) => Nav(_root, nameof(StudyRow.Patient)),
            (nameof(SeriesRow), AttributeLevel.Series) => _root,
            (nameof(SeriesRow), AttributeLevel.Study) => Nav(_root, nameof(SeriesRow.Study)),
            (nameof(SeriesRow), AttributeLevel.Patient) => Nav(Nav(_root, nameof(SeriesRow.Study)), nameof(StudyRow.Patient)),
            (nameof(InstanceRow), AttributeLevel.Instance) => _root,
            (nameof(InstanceRow), AttributeLevel.Series) => Nav(_root, nameof(InstanceRow.Series)),
            (nameof(InstanceRow), AttributeLevel.Study) => Nav(_root, nameof(InstanceRow.Study)),
            (nameof(InstanceRow), AttributeLevel.Patient) => Nav(Nav(_root, nameof(InstanceRow.Study)), nameof(StudyRow.Patient)),
            (nameof(RequestAttributesRow), AttributeLevel.RequestItem) => _root,
            _ => throw new InvalidOperationException($"No path from {typeof(TRoot).Name} to the {level} level."),
        };
    }

    private static Expression Parameter<T>(T value) =>
        Expression.Property(Expression.Constant(new Box<T>(value)), nameof(Box<T>.Value));

    private static QidoQueryException Invalid(QueryKey key, MatchCondition c, string why)
    {
        string keyword = DicomDictionary.Lookup(key.Tag)?.Keyword ?? key.Tag.ToString();
        string shown = c.Kind == MatchKind.Range ? $"{c.RangeStart}-{c.RangeEnd}" : c.Value ?? string.Join(",", c.Values);
        return new QidoQueryException(key.Tag, $"{keyword} {key.Tag}: '{shown}' cannot be matched: {why}.");
    }

    /// <summary>A holder EF reads as a query parameter (a member of a constant), so values never become SQL literals.</summary>
    private sealed class Box<T>(T value)
    {
        public T Value { get; } = value;
    }
}
