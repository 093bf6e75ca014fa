using Pacs.Dicom;

namespace Pacs.Gateway.Tests.QueryRetrieve;

[Collection(QueryRetrieveCollection.Name)]
public sealed class FindTests(QueryRetrieveFixture fixture)
{
    private IReadOnlyList<GeneratedInstance> Instances => fixture.Studies.Instances;

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Study_root_study_level_matches_a_patient_name_wildcard_and_returns_the_keys_asked_for(ArchiveAccess access)
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-S",
            ["QueryRetrieveLevel=STUDY", "PatientName=Hill*", "StudyInstanceUID", "AccessionNumber", "StudyDate", "ModalitiesInStudy", "NumberOfStudyRelatedInstances"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = Instances.Where(i => i.PatientName.StartsWith("Hill", StringComparison.Ordinal)).Select(i => i.StudyInstanceUid).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected, matches.Values(DicomTag.StudyInstanceUID));
        Assert.All(matches, m =>
        {
            Assert.Equal("STUDY", m.GetString(DicomTag.QueryRetrieveLevel));
            Assert.Equal(QueryRetrieveFixture.GatewayAe, m.GetString(DicomTag.RetrieveAETitle));
            Assert.Equal("CT", m.GetString(DicomTag.ModalitiesInStudy));
            Assert.Equal("6", m.GetString(DicomTag.NumberOfStudyRelatedInstances));
            Assert.StartsWith("Hill^Hans", m.GetString(DicomTag.PatientName), StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Study_date_range_and_open_ranges_select_the_studies_inside_them(ArchiveAccess access)
    {
        List<string> Expect(Func<string, bool> inside) =>
            Instances.Where(i => inside(i.StudyDate)).Select(i => i.StudyInstanceUid).Distinct().Order(StringComparer.Ordinal).ToList();

        foreach (var (range, inside) in new (string, Func<string, bool>)[]
        {
            ("20230101-20230731", d => string.CompareOrdinal(d, "20230101") >= 0 && string.CompareOrdinal(d, "20230731") <= 0),
            ("-20221231", d => string.CompareOrdinal(d, "20221231") <= 0),
            ("20230801-", d => string.CompareOrdinal(d, "20230801") >= 0),
        })
        {
            var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-S", ["QueryRetrieveLevel=STUDY", $"StudyDate={range}", "PatientID=PAT*", "StudyInstanceUID"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            var expected = Expect(inside);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, matches.Values(DicomTag.StudyInstanceUID));
        }
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Date_time_keys_with_a_utc_offset_match_the_instances_acquired_at_that_instant(ArchiveAccess access)
    {
        // The archive indexes Acquisition Date and Time as written, in the site's local time (the gateway's zone is the
        // machine's); a key names the same instant seen from other offsets.
        var moments = Instances.ToDictionary(i => i.SopInstanceUid, i =>
        {
            var dataset = DicomFile.Open(fixture.Studies.FullPath(i)).Dataset;
            var written = dataset.GetString(DicomTag.AcquisitionDate) + dataset.GetString(DicomTag.AcquisitionTime)![..6];
            return DateTime.ParseExact(written, "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        });
        var target = Instances[7].SopInstanceUid;
        var local = moments[target];
        var instant = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));
        List<string> Expect(DateTime from, DateTime to) =>
            moments.Where(m => m.Value >= from && m.Value <= to).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();

        static DateTime Minute(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0);

        var plus0530 = instant.ToOffset(new TimeSpan(5, 30, 0));
        var minus0800 = instant.ToOffset(TimeSpan.FromHours(-8));
        foreach (var (key, expected) in new (string, List<string>)[]
        {
            ($"{plus0530:yyyyMMddHHmmss}+0530", Expect(local, local)),
            ($"{minus0800.AddMinutes(-1):yyyyMMddHHmm}-0800-{plus0530.AddMinutes(1):yyyyMMddHHmm}+0530", Expect(Minute(local.AddMinutes(-1)), Minute(local.AddMinutes(1)).AddSeconds(59))),
        })
        {
            var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-S", ["QueryRetrieveLevel=IMAGE", $"AcquisitionDateTime={key}", "SOPInstanceUID"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains(target, expected);
            Assert.Equal(expected, matches.Values(DicomTag.SOPInstanceUID));
        }

        // The same digits at another offset are another instant: twelve hours away.
        var (other, otherMatches) = await QueryTools.FindAsync(fixture.Port(access), "-S", ["QueryRetrieveLevel=IMAGE", $"AcquisitionDateTime={plus0530:yyyyMMddHHmmss}-0630", "SOPInstanceUID"]);
        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.DoesNotContain(target, otherMatches.Values(DicomTag.SOPInstanceUID));
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Patient_root_patient_level_answers_each_patient_once_with_its_counts(ArchiveAccess access)
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-P",
            ["QueryRetrieveLevel=PATIENT", "PatientID=PAT00000?", "PatientName", "NumberOfPatientRelatedStudies", "NumberOfPatientRelatedInstances"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["PAT000001", "PAT000002", "PAT000003"], matches.Values(DicomTag.PatientID));
        Assert.All(matches, m =>
        {
            Assert.Equal("PATIENT", m.GetString(DicomTag.QueryRetrieveLevel));
            Assert.Equal("2", m.GetString(DicomTag.NumberOfPatientRelatedStudies));
            Assert.Equal("12", m.GetString(DicomTag.NumberOfPatientRelatedInstances));
        });
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Patient_root_study_level_is_limited_to_the_patient_named(ArchiveAccess access)
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-P",
            ["QueryRetrieveLevel=STUDY", "PatientID=PAT000003", "StudyInstanceUID", "StudyDescription"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = Instances.Where(i => i.PatientId == "PAT000003").Select(i => i.StudyInstanceUid).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, matches.Values(DicomTag.StudyInstanceUID));
    }

    [Theory]
    [InlineData(ArchiveAccess.Http)]
    [InlineData(ArchiveAccess.InProcess)]
    public async Task Series_level_matches_modality_within_a_study_list_of_uids(ArchiveAccess access)
    {
        var studies = Instances.Select(i => i.StudyInstanceUid).Distinct().Take(3).ToList();
        var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), "-S",
            ["QueryRetrieveLevel=SERIES", $"StudyInstanceUID={string.Join('\\', studies)}", "Modality=CT", "SeriesInstanceUID", "SeriesNumber", "NumberOfSeriesRelatedInstances"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = Instances.Where(i => studies.Contains(i.StudyInstanceUid) && i.Modality == "CT").Select(i => i.SeriesInstanceUid).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, matches.Values(DicomTag.SeriesInstanceUID));
        Assert.All(matches, m => Assert.Equal("3", m.GetString(DicomTag.NumberOfSeriesRelatedInstances)));
        Assert.All(matches, m => Assert.Equal("SERIES", m.GetString(DicomTag.QueryRetrieveLevel)));
    }

    [Theory]
    [InlineData(ArchiveAccess.Http, "-S")]
    [InlineData(ArchiveAccess.InProcess, "-S")]
    [InlineData(ArchiveAccess.Http, "-P")]
    [InlineData(ArchiveAccess.InProcess, "-P")]
    public async Task Image_level_lists_the_instances_of_a_series_with_universal_return_keys(ArchiveAccess access, string model)
    {
        var series = Instances[0];
        var (result, matches) = await QueryTools.FindAsync(fixture.Port(access), model,
            ["QueryRetrieveLevel=IMAGE", $"PatientID={series.PatientId}", $"StudyInstanceUID={series.StudyInstanceUid}", $"SeriesInstanceUID={series.SeriesInstanceUid}",
             "SOPInstanceUID", "SOPClassUID", "InstanceNumber"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = Instances.Where(i => i.SeriesInstanceUid == series.SeriesInstanceUid).Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, matches.Values(DicomTag.SOPInstanceUID));
        Assert.All(matches, m => Assert.False(string.IsNullOrEmpty(m.GetString(DicomTag.SOPClassUID))));
        Assert.All(matches, m => Assert.Equal("IMAGE", m.GetString(DicomTag.QueryRetrieveLevel)));
    }

    [Fact]
    public async Task Image_level_matches_an_instance_number_the_archive_leaves_to_the_gateway()
    {
        var series = Instances[0];
        var (result, matches) = await QueryTools.FindAsync(fixture.HttpGatewayPort, "-S",
            ["QueryRetrieveLevel=IMAGE", $"SeriesInstanceUID={series.SeriesInstanceUid}", "InstanceNumber=2", "SOPInstanceUID"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = Instances.Where(i => i.SeriesInstanceUid == series.SeriesInstanceUid && i.InstanceNumber == 2).Select(i => i.SopInstanceUid).ToList();
        Assert.Equal(expected, matches.Values(DicomTag.SOPInstanceUID));
    }

    [Fact]
    public async Task Study_root_has_no_patient_level_and_the_failure_names_the_reason()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.InProcessGatewayPort, "-S", ["QueryRetrieveLevel=PATIENT", "PatientID"], "-d");
        Assert.Empty(matches);
        Assert.Equal("0xa900", QueryTools.FinalStatus(result));
        Assert.True(result.Output.Contains("Study Root has no PATIENT level", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task An_unknown_level_fails_with_A900_naming_the_level()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.HttpGatewayPort, "-P", ["QueryRetrieveLevel=FRAME", "PatientID"], "-d");
        Assert.Empty(matches);
        Assert.Equal("0xa900", QueryTools.FinalStatus(result));
        Assert.True(result.Output.Contains("Level 'FRAME' is not PATIENT, STUDY, SERIES or IMAGE", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task A_date_that_is_not_a_date_fails_with_C000_naming_the_attribute()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.InProcessGatewayPort, "-S", ["QueryRetrieveLevel=STUDY", "StudyDate=2023-13-45"], "-d");
        Assert.Empty(matches);
        Assert.Equal("0xc000", QueryTools.FinalStatus(result));
        Assert.True(result.Output.Contains("StudyDate: '2023' is not a date YYYYMMDD", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task Cancel_after_the_first_match_ends_the_find_with_status_cancel()
    {
        var (result, matches) = await QueryTools.FindAsync(fixture.GatedGatewayPort, "-S", ["QueryRetrieveLevel=IMAGE", "SOPInstanceUID"], "--cancel", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.InRange(matches.Count, 1, 4);
        Assert.True(result.Output.Contains("Received Final Find Response (Cancel", StringComparison.Ordinal), result.Output);
    }
}
