using Pacs.Dicom;

namespace Pacs.Gateway.Tests.QueryRetrieve;

[Collection(QueryRetrieveCollection.Name)]
public sealed class WorklistTests(QueryRetrieveFixture fixture)
{
    [Fact]
    public async Task Worklist_context_is_refused_when_no_worklist_source_is_configured()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.InProcessGatewayPort, "-W", ["PatientName", "ScheduledProcedureStepSequence[0].Modality=CT"]);
        Assert.Empty(matches);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Output.Contains("No Acceptable Presentation Contexts", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task Worklist_find_matches_scheduled_step_keys_within_the_item_when_a_source_is_configured()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.WorklistGatewayPort, "-W",
            ["PatientName", "PatientID", "ScheduledProcedureStepSequence[0].Modality=MR", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20250301-20250331",
             "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = Assert.Single(matches);
        Assert.Equal("WL002", match.GetString(DicomTag.PatientID));
        Assert.Equal("Worklist^Bert", match.GetString(DicomTag.PatientName));
        var step = Assert.Single(Assert.IsType<DicomSequence>(match.Get(DicomTag.ScheduledProcedureStepSequence)).Items);
        Assert.Equal("SPS2", step.GetString(DicomTag.ScheduledProcedureStepID));
        Assert.Null(match.Get(DicomTag.AccessionNumber));
    }
}
