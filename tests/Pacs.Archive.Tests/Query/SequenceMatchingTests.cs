using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Query;

/// <summary>
/// RequestAttributesSequence.ScheduledProcedureStepID and .RequestedProcedureID (PS3.18 Table 10.6.1-5), matched
/// item by item (PS3.4 C.2.2.2.6). Series A has items (SPS1, RP1) and (SPS2, RP2); series B has (SPS1, RP9).
/// </summary>
public abstract class SequenceMatchingTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private readonly string _study = TestDicom.NewUid();
    private readonly string _seriesA = TestDicom.NewUid();
    private readonly string _seriesB = TestDicom.NewUid();

    private static MatchCondition Sps(string value) => MatchCondition.Parse(DicomTag.ScheduledProcedureStepID, value).InSequence(DicomTag.RequestAttributesSequence);

    private static MatchCondition Rp(string value) => MatchCondition.Parse(DicomTag.RequestedProcedureID, value).InSequence(DicomTag.RequestAttributesSequence);

    private async Task StoreAsync()
    {
        foreach (var (series, items) in new[] { (_seriesA, new[] { ("SPS1", "RP1"), ("SPS2", "RP2") }), (_seriesB, new[] { ("SPS1", "RP9") }) })
        {
            var result = await IngestAsync(TestDicom.Create(_study, series, TestDicom.NewUid(), edit: ds =>
            {
                var datasets = items.Select(_ => new DicomDataset()).ToArray();
                ds.SetSequence(DicomTag.RequestAttributesSequence, datasets);
                for (int i = 0; i < items.Length; i++)
                {
                    datasets[i].Set(DicomTag.ScheduledProcedureStepID, items[i].Item1);
                    datasets[i].Set(DicomTag.RequestedProcedureID, items[i].Item2);
                }
            }));
            Assert.True(result.Succeeded, result.FailureDescription);
        }
    }

    public static TheoryData<string, string?, string?, string[]> Cases => new()
    {
        { "one item key", "SPS1", null, ["A", "B"] },
        { "a key of the second item", "SPS2", null, ["A"] },
        { "wildcard", "SPS*", null, ["A", "B"] },
        { "both keys in one item", "SPS1", "RP1", ["A"] },
        { "both keys, but in different items", "SPS1", "RP2", [] },
        { "requested procedure alone", null, "RP9", ["B"] },
        { "no such step", "SPS3", null, [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Series_match_when_one_item_matches_every_key(string name, string? sps, string? rp, string[] expected)
    {
        await StoreAsync();
        var conditions = new List<MatchCondition>();
        if (sps is not null)
            conditions.Add(Sps(sps));
        if (rp is not null)
            conditions.Add(Rp(rp));

        var result = await Archive.Query.QueryAsync(new QidoQuery { Level = QueryLevel.Series, StudyInstanceUid = _study, Conditions = conditions });

        var found = result.Matches.Select(m => m.GetString(DicomTag.SeriesInstanceUID) == _seriesA ? "A" : "B").Order().ToArray();
        Assert.True(expected.SequenceEqual(found), $"{name}: expected [{string.Join(",", expected)}], got [{string.Join(",", found)}]");
        Assert.Empty(result.UnsupportedKeys);
        Assert.All(result.Matches, m => Assert.NotEmpty(m.GetSequence(DicomTag.RequestAttributesSequence)));
    }

    [Fact]
    public async Task Instance_query_matches_request_items_and_study_query_reports_them_unsupported()
    {
        await StoreAsync();

        var instances = await QueryAsync(QueryLevel.Instance, Sps("SPS2"));
        var studies = await QueryAsync(QueryLevel.Study, Sps("SPS2"));

        Assert.Equal(_seriesA, Assert.Single(instances.Matches).GetString(DicomTag.SeriesInstanceUID));
        Assert.Single(studies.Matches);
        Assert.Equal([DicomTag.ScheduledProcedureStepID], studies.UnsupportedKeys);
        Assert.True(QueryService.IsSupportedKey(QueryLevel.Series, Sps("x")));
        Assert.False(QueryService.IsSupportedKey(QueryLevel.Study, Sps("x")));
    }

    [Fact]
    public async Task Deleting_the_series_removes_its_request_items()
    {
        await StoreAsync();

        await Archive.Delete.DeleteStudyAsync(_study);

        await using var db = Archive.Database.CreateContext();
        Assert.Equal(0, db.RequestAttributes.Count());
    }
}

public sealed class SqliteSequenceMatchingTests() : SequenceMatchingTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresSequenceMatchingTests(PostgresServer postgres) : SequenceMatchingTests(DatabaseKind.Postgres, postgres);
