using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Query;

/// <summary>An instance still being stored (Creating) is invisible to every query, count and retrieve.</summary>
public abstract class VisibilityTests(DatabaseKind kind, PostgresServer? postgres = null) : ArchiveTestBase(kind, postgres)
{
    private sealed class SimulatedCrashException() : Exception("simulated crash");

    [Fact]
    public async Task Instance_in_flight_counts_nowhere_and_its_modality_does_not_match()
    {
        string study = TestDicom.NewUid();
        Assert.True((await IngestAsync(TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid()))).Succeeded);
        // An MR instance of a new series of the same study stops between the put and the commit.
        Archive.Faults.AfterPut = _ => throw new SimulatedCrashException();
        string mrSeries = TestDicom.NewUid();
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            IngestAsync(TestDicom.Create(study, mrSeries, TestDicom.NewUid(), seed: 1, edit: ds => ds.Set(DicomTag.Modality, "MR"))));

        var ct = Assert.Single((await QueryAsync(QueryLevel.Study, MatchCondition.Parse(DicomTag.ModalitiesInStudy, "CT"))).Matches);
        Assert.Empty((await QueryAsync(QueryLevel.Study, MatchCondition.Parse(DicomTag.ModalitiesInStudy, "MR"))).Matches);
        Assert.Equal(["CT"], ct.GetStrings(DicomTag.ModalitiesInStudy));
        Assert.Equal(("1", "1"), (Text(ct, DicomTag.NumberOfStudyRelatedSeries), Text(ct, DicomTag.NumberOfStudyRelatedInstances)));
        Assert.Single((await QueryAsync(QueryLevel.Series)).Matches);
        Assert.Empty((await QueryAsync(QueryLevel.Series, MatchCondition.Single(DicomTag.SeriesInstanceUID, mrSeries))).Matches);
        Assert.Single((await QueryAsync(QueryLevel.Instance)).Matches);
        Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
    }
}

public sealed class SqliteVisibilityTests() : VisibilityTests(DatabaseKind.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PostgresVisibilityTests(PostgresServer postgres) : VisibilityTests(DatabaseKind.Postgres, postgres);
